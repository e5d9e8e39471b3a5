import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { expect } from 'chai'

const root = join(__dirname, '..', '..')

/** Loads `modules` in a fresh Node process and returns which frameworks it loaded. */
function frameworksLoadedBy(modules: string[]): string[] {
  const script = `
    ${modules.map((m) => `require(${JSON.stringify(join(root, m))})`).join(';')}
    const loaded = Object.keys(require.cache)
    const names = ['express', 'koa', 'fastify', '@nestjs/common', '@nestjs/core', '@nestjs/typeorm', 'rxjs']
    console.log(JSON.stringify(names.filter((n) => loaded.some((f) => f.includes('/node_modules/' + n + '/')))))`
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'reflect-metadata', '-e', script], { cwd: root, encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').pop()!) as string[]
}

describe('entry points', function () {
  this.timeout(60_000)

  it('the main entry and typeorm-tenancy/jobs load no web framework', () => {
    expect(frameworksLoadedBy(['lib/index.ts', 'lib/jobs/index.ts'])).to.deep.equal([])
  })

  it('the Express, Koa and Fastify subpaths load no framework of their own (types only)', () => {
    expect(frameworksLoadedBy(['lib/integrations/express/index.ts', 'lib/integrations/koa/index.ts', 'lib/integrations/fastify/index.ts'])).to.deep.equal([])
  })
})
