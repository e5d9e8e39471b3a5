// Starts the support-desk sample from its TypeScript sources. `npm run sample` builds the package first,
// because the sample imports 'typeorm-tenancy' the way an application does: Node resolves the package
// name to this repository's own package.json and its "exports" map (dist/), as it would in node_modules.
// ts-node compiles with TypeScript's emitter (transpile-only), which keeps the decorator metadata TypeORM
// needs; esbuild-based runners such as tsx do not.
'use strict'
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..', '..')
if (!existsSync(join(root, 'dist', 'cjs', 'index.js'))) {
  console.error("typeorm-tenancy is not built: run `npm run build` first (or use `npm run sample`, which builds).")
  process.exit(1)
}
require('ts-node').register({ project: join(__dirname, '..', 'tsconfig.json'), transpileOnly: true })
require('./main.ts')
