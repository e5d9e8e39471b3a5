// Writes the thin ESM entry points: each re-exports the CJS build, so CJS and ESM consumers share one
// copy of every class (one TenancyError, one store, one registry of protected DataSources).
'use strict'
const { mkdirSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

// One entry per package.json export; the framework subpaths load their framework only when imported.
const entries = {
  index: '../cjs/index.js',
  express: '../cjs/integrations/express/index.js',
  koa: '../cjs/integrations/koa/index.js',
  fastify: '../cjs/integrations/fastify/index.js',
  nestjs: '../cjs/integrations/nestjs/index.js',
  jobs: '../cjs/jobs/index.js',
  testing: '../cjs/testing/index.js',
}
const root = join(__dirname, '..')
mkdirSync(join(root, 'dist/esm'), { recursive: true })
for (const [name, target] of Object.entries(entries)) {
  const cjs = require(join(root, 'dist/esm', target))
  const names = Object.keys(cjs).filter((key) => key !== 'default' && key !== '__esModule')
  const body = [`import cjs from '${target}'`, ...names.map((key) => `export const ${key} = cjs.${key}`), 'export default cjs', '']
  writeFileSync(join(root, 'dist/esm', `${name}.mjs`), body.join('\n'))
}
