import { request } from 'node:http'
import { homedir } from 'node:os'
import { join } from 'node:path'

type Target = { socketPath: string } | { host: string; port: number }

/** Where an engine may listen: DOCKER_HOST, else the usual sockets (Linux, Docker Desktop, rootless). */
function targets(): Target[] {
  const host = process.env['DOCKER_HOST']
  if (host?.startsWith('unix://')) return [{ socketPath: host.slice('unix://'.length) }]
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace('tcp://', 'http://'))
    return [{ host: url.hostname, port: Number(url.port || 2375) }]
  }
  if (host) return []
  const sockets = ['/var/run/docker.sock', join(homedir(), '.docker/run/docker.sock')]
  if (process.env['XDG_RUNTIME_DIR']) sockets.push(join(process.env['XDG_RUNTIME_DIR'], 'docker.sock'))
  return sockets.map((socketPath) => ({ socketPath }))
}

function ping(target: Target, timeoutMs: number, path = '/_ping'): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...target, path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.on('error', () => resolve(false))
    req.end()
  })
}

/** True when a Docker engine answers `GET /_ping` within `timeoutMs`. Never throws. */
export async function dockerAnswers(timeoutMs = 2000): Promise<boolean> {
  const answers = await Promise.all(targets().map((target) => ping(target, timeoutMs)))
  return answers.some(Boolean)
}

/** The image `scripts/docker/build-postgres-image.sh` builds (what `.ci/run` uses on a machine with no registry). */
export const PROJECT_POSTGRES_IMAGE = 'typeorm-tenancy/postgres:15-bookworm'

/**
 * When TENANCY_TEST_POSTGRES_LOCAL_IMAGE is unset and the project's own image exists in the engine that
 * answers, sets the variable to it, so the suite and the test kit's spec use it (host networking, no pull)
 * instead of trying the official image, which a machine without a registry cannot pull. Never throws.
 */
export async function adoptProjectImage(timeoutMs = 2000): Promise<void> {
  if (process.env['TENANCY_TEST_POSTGRES_LOCAL_IMAGE']) return
  const path = `/images/${encodeURIComponent(PROJECT_POSTGRES_IMAGE)}/json`
  const found = await Promise.all(targets().map((target) => ping(target, timeoutMs, path)))
  if (found.some(Boolean)) process.env['TENANCY_TEST_POSTGRES_LOCAL_IMAGE'] = PROJECT_POSTGRES_IMAGE
}
