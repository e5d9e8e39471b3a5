// `npm run readme:check`: every ```ts block of README.md must compile against the package.
//
// Each block is written, unchanged and at the same line numbers, to its own module file under
// .tenancy-tmp/readme-check/ (an `export {}` is appended, so blocks never share top-level names and may use
// top-level await), and the directory is typechecked with the project's strict settings
// (tsconfig.base.json: strict, noImplicitOverride, noUncheckedIndexedAccess, decorators).
//
// How 'typeorm-tenancy' resolves: through the package's own "exports" map, read from package.json. Each
// entry's "types" file (dist/cjs/<x>.d.ts) is mapped back to its source (lib/<x>.ts), so the check needs no
// build and always sees the current sources, and an export whose source does not exist fails the check.
// Every other import (typeorm, express, ...) resolves from node_modules as in an application.
//
// The hidden prelude: README blocks are excerpts, so a block may use the names below without declaring
// them. They are ambient declarations only (no values), listed here and nowhere else; a block that
// declares the same name shadows it. Keep this list short: a name belongs here only if README's prose
// says where it comes from ("your DataSource", "your Express app").
//
// A block that cannot compile on purpose (pseudo-code) is skipped only with a visible reason:
//   <!-- readme-check: skip (the reason) -->   on the line right before the fence.
// Errors are reported as README.md:<line>:<column>.
'use strict'
const { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } = require('node:fs')
const { join, relative, resolve } = require('node:path')
const { spawnSync } = require('node:child_process')

const PRELUDE = `// Ambient names README blocks may use without declaring them (see scripts/check-readme.js).
/** The application's DataSource ("your DataSource"). */
declare const dataSource: import('typeorm').DataSource
`

const root = join(__dirname, '..')
// An optional argument checks another markdown file the same way (the spec of this script uses it).
const readmePath = process.argv[2] ? resolve(process.argv[2]) : join(root, 'README.md')
const readmeName = relative(root, readmePath)
// Per process, so two checks never share files; removed after a clean run, kept for reading after a failure.
const outDir = join(root, '.tenancy-tmp', `readme-check-${process.pid}`)

/** The ```ts / ```typescript blocks of a markdown text, with the line of their opening fence (1-based). */
function extractBlocks(markdown, readmeName) {
  const lines = markdown.split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\s*$/.exec(lines[i])
    if (!open) {
      continue
    }
    const [, indent, fence] = open
    const body = []
    let j = i + 1
    while (j < lines.length && !(lines[j].trimStart().startsWith(fence) && lines[j].trim() === fence)) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j])
      j++
    }
    if (j >= lines.length) throw new Error(`${readmeName}:${i + 1}: the \`\`\`ts block is never closed`)
    const skip = /<!--\s*readme-check:\s*skip\s*\((.+)\)\s*-->/.exec(lines[i - 1] ?? '')
    blocks.push({ fenceLine: i + 1, body, skip: skip ? skip[1] : undefined })
    i = j
  }
  return blocks
}

/** tsconfig "paths" for the package name and each subpath of its "exports" map, pointing at lib/ sources. */
function exportPaths(pkg) {
  const paths = {}
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined
    if (typeof types !== 'string') continue
    const source = types.replace(/^\.\/dist\/cjs\//, './lib/').replace(/\.d\.ts$/, '.ts')
    if (!existsSync(join(root, source))) throw new Error(`package.json exports["${key}"] has types ${types}, but its source ${source} does not exist`)
    const name = key === '.' ? pkg.name : `${pkg.name}/${key.replace(/^\.\//, '')}`
    paths[name] = [relative(outDir, join(root, source))]
  }
  return paths
}

function main() {
  const started = Date.now()
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const blocks = extractBlocks(readFileSync(readmePath, 'utf8'), readmeName)
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, 'prelude.d.ts'), PRELUDE)
  const files = new Map()
  blocks.forEach((block, index) => {
    if (block.skip) {
      console.log(`${readmeName}:${block.fenceLine}: skipped (${block.skip})`)
      return
    }
    const name = `block-${String(index + 1).padStart(2, '0')}.ts`
    // Line 1 of the file is the fence line itself (left empty), so file line n is README line fenceLine + n - 1.
    writeFileSync(join(outDir, name), ['', ...block.body, 'export {}', ''].join('\n'))
    files.set(name, block)
  })
  writeFileSync(
    join(outDir, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: relative(outDir, join(root, 'tsconfig.base.json')),
        compilerOptions: {
          // ES modules, so blocks may use top-level await; classic node resolution, as the plugin's own
          // sources import TypeORM internals by deep path (typeorm/metadata/...), outside typeorm's exports.
          module: 'es2022',
          moduleResolution: 'node',
          noEmit: true,
          noUnusedLocals: false,
          types: ['node'],
          paths: exportPaths(pkg),
        },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  )
  const tsc = require.resolve('typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' })
  const output = `${result.stdout}${result.stderr}`
  // Errors in README blocks (with their continuation lines) fail the check. Errors inside the plugin's own
  // sources are `npm run typecheck`'s business: they are counted here, not repeated.
  const report = []
  let elsewhere = 0
  let inBlock = false
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue
    const at = /^(?:.*[\\/])?(block-\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line)
    const block = at && files.get(at[1])
    if (at && block) {
      inBlock = true
      report.push(`${readmeName}:${block.fenceLine + Number(at[2]) - 1}:${at[3]}: ${at[4]}`)
    } else if (/^\S.*\(\d+,\d+\): error /.test(line)) {
      inBlock = false
      elsewhere++
    } else if (inBlock || !/^\s/.test(line)) {
      report.push(line)
    }
  }
  if (elsewhere > 0) console.log(`readme:check: ${elsewhere} error(s) in the plugin's sources, not in README (see npm run typecheck)`)
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (report.length > 0 || (result.status !== 0 && elsewhere === 0)) {
    console.error(report.join('\n'))
    console.error(`readme:check: ${files.size} ts block(s) of ${readmeName}, compile errors above (${seconds} s; files in ${relative(root, outDir)})`)
    process.exit(1)
  }
  rmSync(outDir, { recursive: true, force: true })
  console.log(`readme:check: ${files.size} ts block(s) of ${readmeName} compile (${seconds} s)`)
}

main()
