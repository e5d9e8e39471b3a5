import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running test app on loopback. */
export interface RunningApp {
  readonly url: string
  close(): Promise<void>
}

/** Listens on 127.0.0.1 on an ephemeral port. */
export async function listenOnLoopback(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}

/** One HTTP call; the JSON body (or null) with the status. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test apps' JSON, asserted field by field
export async function call(app: RunningApp, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(app.url + path, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body !== undefined ? JSON.stringify(init.body) : null,
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? null : JSON.parse(text) }
}
