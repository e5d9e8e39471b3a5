import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

let cached: string | undefined

/** The version of the `typeorm` package this process loaded (its package.json is not exported). */
export function typeormVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('typeorm')), 'package.json'), 'utf8')) as { version?: unknown }
      cached = typeof pkg.version === 'string' ? pkg.version : 'unknown'
    } catch {
      cached = 'unknown'
    }
  }
  return cached
}
