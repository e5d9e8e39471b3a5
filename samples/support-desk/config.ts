import type { TenancyOptions } from 'typeorm-tenancy'

/** How the sample runs; every setting has a default, so `npm run sample` needs none. */
export interface SampleConfig {
  /** `postgres://...` of a real server, or undefined for the embedded PGlite database (in memory). */
  readonly databaseUrl: string | undefined
  /** The schema the sample creates and uses on a real server (never touched on PGlite). */
  readonly databaseSchema: string
  /** The HTTP port; 0 picks a free one. */
  readonly port: number
  /** The host to listen on. */
  readonly host: string
  /** Run the scripted demo against itself, print it, and exit (0 when every expectation held). */
  readonly demo: boolean
  /** The tenant context store (`TENANCY_STORE=cls-hooked` to try the cls-hooked one). */
  readonly store: NonNullable<TenancyOptions['store']>
}

export const USAGE = `usage: npm run sample [-- [--demo] [--port <n>]]

  --demo          run a scripted set of HTTP requests against the app, print them, exit 0 if isolation held
  --port <n>      port to listen on (default 3000; the demo always uses a free port on 127.0.0.1)

environment:
  DATABASE_URL     postgres://user:password@host:5432/db of a real server (default: embedded PGlite, in memory)
  DATABASE_SCHEMA  schema the sample creates on that server (default: support_desk)
  TENANCY_STORE    async-local-storage (default) or cls-hooked
  PORT, HOST       where to listen without --demo (default 127.0.0.1:3000)
`

/** Reads the command line and the environment; throws a readable error on a bad argument. */
export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SampleConfig {
  let demo = false
  let port = Number(env['PORT'] ?? 3000)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--demo') demo = true
    else if (arg === '--port') port = Number(argv[++i])
    else if (arg === '--help' || arg === '-h') throw new UsageError('')
    else throw new UsageError(`unknown argument: ${arg}`)
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${port}`)
  const schema = env['DATABASE_SCHEMA'] ?? 'support_desk'
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new UsageError(`DATABASE_SCHEMA must be a plain identifier, got "${schema}"`)
  return {
    databaseUrl: env['DATABASE_URL'] || undefined,
    databaseSchema: schema,
    port: demo ? 0 : port,
    host: demo ? '127.0.0.1' : env['HOST'] ?? '127.0.0.1',
    demo,
    store: env['TENANCY_STORE'] === 'cls-hooked' ? 'cls-hooked' : 'async-local-storage',
  }
}

/** A bad command line: main prints the message and the usage, and exits 2. */
export class UsageError extends Error {}
