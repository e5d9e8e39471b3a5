import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The version of the `typeorm` this process loaded, for the start-up banner (typeorm does not export its package.json). */
export function typeormVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('typeorm')), 'package.json'), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
