import { expect } from 'chai'
import path from 'node:path'
import { attribute, ownerOf, type CpuProfile } from '../../bench/cpu-profile'

/** `bench:profile`'s attribution of a V8 CPU profile (pure: no database, no profiler). */
describe('bench profile: self time by the code that spent it', () => {
  const root = path.resolve(__dirname, '..', '..')
  const file = (...parts: string[]): string => `file://${path.join(root, ...parts)}`

  it('tells the plugin, TypeORM, pg, Node and V8 apart by script URL', () => {
    expect(ownerOf('roots', file('lib', 'failsafe', 'strip-pass.ts'))).to.equal('typeorm-tenancy')
    expect(ownerOf('roots', path.join(root, 'lib', 'failsafe', 'strip-pass.ts'))).to.equal('typeorm-tenancy')
    expect(ownerOf('x', file('dist', 'cjs', 'index.js'))).to.equal('typeorm-tenancy')
    expect(ownerOf('x', '/app/node_modules/typeorm-tenancy/dist/cjs/index.js')).to.equal('typeorm-tenancy')
    expect(ownerOf('getQuery', '/app/node_modules/typeorm/query-builder/SelectQueryBuilder.js')).to.equal('typeorm')
    expect(ownerOf('getQuery', '/app/node_modules/typeorm-1/query-builder/SelectQueryBuilder.js')).to.equal('typeorm')
    expect(ownerOf('x', '/app/node_modules/typeorm-pglite/index.js')).to.equal('other')
    expect(ownerOf('parse', '/app/node_modules/pg-protocol/dist/parser.js')).to.equal('pg')
    expect(ownerOf('query', '/app/node_modules/pg/lib/client.js')).to.equal('pg')
    expect(ownerOf('parse', '/app/node_modules/pg-connection-string/index.js')).to.equal('pg')
    expect(ownerOf('x', '/app/node_modules/pgpass/lib/index.js')).to.equal('other')
    expect(ownerOf('emit', 'node:events')).to.equal('node')
    expect(ownerOf('(garbage collector)', '')).to.equal('garbage collector')
    expect(ownerOf('writev', '')).to.equal('native')
    expect(ownerOf('run', file('bench', 'workloads.ts'))).to.equal('bench')
  })

  it('sums each node\'s samples as self time per operation, leaves idle out, and lists the plugin\'s and TypeORM\'s functions slowest first', () => {
    const strip = file('lib', 'failsafe', 'strip-pass.ts')
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 3, callFrame: { functionName: 'branch', url: strip, lineNumber: 114 } },
        { id: 4, callFrame: { functionName: 'roots', url: strip, lineNumber: 63 } },
        { id: 5, callFrame: { functionName: 'getQuery', url: '/x/node_modules/typeorm/query-builder/SelectQueryBuilder.js', lineNumber: 9 } },
        // the same function reached by another call path: one entry
        { id: 6, callFrame: { functionName: 'branch', url: strip, lineNumber: 114 } },
      ],
      samples: [2, 3, 4, 5, 6, 2, 3],
      timeDeltas: [1000, 10, 4, 30, 6, 500, 10],
    }
    const result = attribute(profile, 2)
    expect(result.busy).to.equal(30)
    expect(result.byOwner['typeorm-tenancy']).to.equal(15)
    expect(result.byOwner.typeorm).to.equal(15)
    expect(result.byOwner.native).to.equal(0)
    expect(result.plugin).to.deep.equal([
      { name: 'branch', file: 'strip-pass.ts', line: 115, micros: 13 },
      { name: 'roots', file: 'strip-pass.ts', line: 64, micros: 2 },
    ])
    expect(result.typeorm).to.deep.equal([{ name: 'getQuery', file: 'SelectQueryBuilder.js', line: 10, micros: 15 }])
  })
})
