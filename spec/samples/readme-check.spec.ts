import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'

const root = join(__dirname, '..', '..')

/** Runs scripts/check-readme.js (what `npm run readme:check` runs) on a markdown file. */
function checkMarkdown(markdown: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'readme-check-'))
  try {
    const file = join(dir, 'DOC.md')
    writeFileSync(file, markdown)
    const result = spawnSync(process.execPath, ['scripts/check-readme.js', file], { cwd: root, encoding: 'utf8' })
    const output = `${result.stdout}${result.stderr}`
    // A failed check keeps its generated files for reading; this one was expected, so remove them.
    const kept = /files in (\.tenancy-tmp[\\/]readme-check-\d+)/.exec(output)?.[1]
    if (kept) rmSync(join(root, kept), { recursive: true, force: true })
    return { status: result.status, output }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('readme:check (scripts/check-readme.js)', function () {
  this.timeout(120_000)
  // The check does not depend on the TypeORM line or the store: run it once, on the default combination.
  before(function () {
    if (process.env['TYPEORM_LINE'] === '1' || process.env['TENANCY_STORE'] === 'cls-hooked') this.skip()
  })

  it('compiles good blocks against the package, and reports a bad one at its markdown line', () => {
    const markdown = [
      '# Doc', //                                                                     line 1
      '```ts', //                                                                      2
      "import { runWithTenant } from 'typeorm-tenancy'", //                           3
      'await runWithTenant(42, async () => dataSource.query("SELECT 1"))', //         4 (dataSource: the prelude)
      '```', //                                                                        5
      '<!-- readme-check: skip (pseudo-code) -->', //                                  6
      '```ts', //                                                                      7
      'this is not TypeScript', //                                                     8
      '```', //                                                                        9
      '```ts', //                                                                      10
      "import { runWithTenant } from 'typeorm-tenancy'", //                           11
      'runWithTenant(undefined, () => 1)', //                                          12: not a TenantId
      '```', //                                                                        13
      '',
    ].join('\n')
    const { status, output } = checkMarkdown(markdown)
    expect(status, output).to.equal(1)
    expect(output).to.match(/DOC\.md:7: skipped \(pseudo-code\)/)
    expect(output).to.match(/DOC\.md:12:\d+: error TS2345/)
    expect(output.match(/DOC\.md:\d+:\d+: error/g), output).to.have.length(1)
  })

  it('passes on README.md', () => {
    const result = spawnSync(process.execPath, ['scripts/check-readme.js'], { cwd: root, encoding: 'utf8' })
    const output = `${result.stdout}${result.stderr}`
    expect(result.status, output).to.equal(0)
    expect(output).to.match(/readme:check: \d+ ts block\(s\) of README\.md compile/)
  })
})
