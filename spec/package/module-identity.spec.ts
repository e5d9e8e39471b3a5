import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'

const root = join(__dirname, '..', '..')

/**
 * The published package through its `exports` map, as a consumer loads it (Node resolves `typeorm-tenancy`
 * from inside the package by its own name): every subpath loads in CommonJS and in ESM, and both give the
 * same class and function objects, so an error thrown by CJS code is `instanceof` the class an ESM app
 * imported, and both share one registry of protected DataSources. Runs on the build (`npm test` builds first).
 */
describe('package: exports map, one class identity for CommonJS and ESM consumers', function () {
  this.timeout(60_000)

  before(function () {
    if (!existsSync(join(root, 'dist/cjs/index.js')) || !existsSync(join(root, 'dist/esm/index.mjs'))) {
      throw new Error('the package is not built: run `npm run build` before this spec (npm test does)')
    }
  })

  const script = `
    import { createRequire } from 'node:module'
    const require = createRequire(import.meta.url)
    const out = {}
    for (const sub of ['', '/jobs', '/testing', '/express', '/koa', '/fastify', '/nestjs']) {
      const name = 'typeorm-tenancy' + sub
      const esm = await import(name)
      const cjs = require(name)
      const keys = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule')
      out[name] = { keys: keys.length, same: keys.every((k) => esm[k] === cjs[k]), missing: keys.filter((k) => !(k in esm)) }
    }
    const esm = await import('typeorm-tenancy')
    const cjs = require('typeorm-tenancy')
    let caught
    try { cjs.runWithTenant(undefined, () => 0) } catch (e) { caught = e }
    out.instanceOf = caught instanceof esm.TenancyError && caught instanceof esm.InvalidTenantIdError
    out.sameContext = await esm.runWithTenant(7, async () => { await null; return cjs.currentTenant() })
    console.log(JSON.stringify(out))
  `

  it('every subpath loads both ways with the same exports, and an error thrown by CJS is instanceof the ESM class', async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out))),
    )
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>
    for (const sub of ['', '/jobs', '/testing', '/express', '/koa', '/fastify', '/nestjs']) {
      const entry = result[`typeorm-tenancy${sub}`] as { keys: number; same: boolean; missing: string[] }
      expect(entry.keys, `typeorm-tenancy${sub} exports something`).to.be.greaterThan(0)
      expect(entry.missing, `typeorm-tenancy${sub}: ESM lacks CJS exports`).to.deep.equal([])
      expect(entry.same, `typeorm-tenancy${sub}: ESM and CJS give the same objects`).to.equal(true)
    }
    expect(result['instanceOf']).to.equal(true)
    expect(result['sameContext']).to.equal(7)
  })
})
