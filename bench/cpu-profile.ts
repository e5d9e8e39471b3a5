import path from 'node:path'

/** The parts of a V8 CPU profile (`Profiler.stop()`, or a `.cpuprofile` file) the attribution reads. */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Where a sampled function's code lives. */
export type CodeOwner = 'typeorm-tenancy' | 'typeorm' | 'pg' | 'node' | 'garbage collector' | 'native' | 'bench' | 'other'

export const CODE_OWNERS: readonly CodeOwner[] = ['typeorm-tenancy', 'typeorm', 'pg', 'node', 'garbage collector', 'native', 'bench', 'other']

/** The self time of one function, per operation. */
export interface FunctionTime {
  readonly name: string
  readonly file: string
  readonly line: number
  readonly micros: number
}

/** Self time per operation (µs) of each {@link CodeOwner}, and the plugin's and TypeORM's functions, slowest first. */
export interface Attribution {
  readonly byOwner: Readonly<Record<CodeOwner, number>>
  readonly plugin: readonly FunctionTime[]
  readonly typeorm: readonly FunctionTime[]
  /** Sampled time that was not idle, per operation (µs). */
  readonly busy: number
}

/** A function's self time while it is summed. */
type Tally = { -readonly [K in keyof FunctionTime]: FunctionTime[K] }

const ROOT = path.resolve(__dirname, '..')
const PLUGIN_DIRS = [path.join(ROOT, 'lib') + path.sep, path.join(ROOT, 'dist') + path.sep, `${path.sep}node_modules${path.sep}typeorm-tenancy${path.sep}`]

function filePath(url: string): string {
  return url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url
}

/** Which code a profile node's function belongs to, from its script URL (V8 gives native frames none). */
export function ownerOf(functionName: string, url: string): CodeOwner {
  if (functionName === '(garbage collector)') return 'garbage collector'
  if (url === '') return 'native'
  if (url.startsWith('node:')) return 'node'
  const file = filePath(url)
  if (PLUGIN_DIRS.some((dir) => file.startsWith(dir) || file.includes(dir))) return 'typeorm-tenancy'
  // `typeorm-1`: the 1.x line the test suite and the bench run with TYPEORM_LINE=1
  if (/[/\\]node_modules[/\\]typeorm(-1)?[/\\]/.test(file)) return 'typeorm'
  if (/[/\\]node_modules[/\\]pg(-[a-z-]+)?[/\\]/.test(file)) return 'pg'
  if (file.startsWith(path.join(ROOT, 'bench') + path.sep)) return 'bench'
  return 'other'
}

/**
 * The self time of a profile, per operation (`operations` ran while it was sampled), by the code that spent it.
 * Self time only: a plugin function that calls TypeORM's original (a wrapper) is charged for its own lines, and
 * TypeORM's for the rest. `(idle)` (waiting for PostgreSQL) is left out.
 */
export function attribute(profile: CpuProfile, operations: number): Attribution {
  const byNode = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byOwner = Object.fromEntries(CODE_OWNERS.map((owner) => [owner, 0])) as Record<CodeOwner, number>
  const functions = { 'typeorm-tenancy': new Map<string, Tally>(), typeorm: new Map<string, Tally>() }
  let busy = 0
  for (const node of profile.nodes) {
    const micros = byNode.get(node.id)
    if (micros === undefined) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') continue
    busy += micros
    const owner = ownerOf(functionName, url)
    byOwner[owner] += micros
    if (owner !== 'typeorm-tenancy' && owner !== 'typeorm') continue
    const byFunction = functions[owner]
    const file = path.basename(filePath(url))
    const key = `${file}:${lineNumber}:${functionName}`
    const entry = byFunction.get(key) ?? { name: functionName || '(anonymous)', file, line: lineNumber + 1, micros: 0 }
    entry.micros += micros
    byFunction.set(key, entry)
  }
  for (const owner of CODE_OWNERS) byOwner[owner] /= operations
  const list = (byFunction: Map<string, FunctionTime>): FunctionTime[] =>
    [...byFunction.values()].map((f) => ({ ...f, micros: f.micros / operations })).sort((a, b) => b.micros - a.micros)
  return { byOwner, plugin: list(functions['typeorm-tenancy']), typeorm: list(functions.typeorm), busy: busy / operations }
}
