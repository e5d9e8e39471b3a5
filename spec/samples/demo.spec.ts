import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { Client } from 'pg'
import { postgresSource } from '../support/dialects/postgres-source'
import { storeName } from '../support/test-store'
import { typeormVersion } from '../../lib/install/typeorm-version'

const root = join(__dirname, '..', '..')

interface DemoRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `samples/support-desk --demo` as a child process, exactly as `npm run sample -- --demo` does after
 * the build, on the TypeORM line and store of this run (TYPEORM_LINE and TENANCY_STORE are inherited;
 * spec/support/typeorm-line.js redirects `typeorm` to the 1.x alias when asked).
 */
function runDemo(env: NodeJS.ProcessEnv): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', './spec/support/typeorm-line.js', 'samples/support-desk/run.js', '--demo'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The isolation steps every successful demo must print, each as a held expectation. */
const EXPECTED_LINES = [
  /GET \/tickets {2}without a token\n {4}← 401 /,
  /✓ Bolt has tickets, all of them its own/,
  /✓ Acme sees only its own tickets/,
  /GET \/tickets\/\d+ {2}as alice@acme\.test \(Acme\)\n {4}← 404 /,
  /✓ Acme reading it by id gets 404/,
  /✓ Acme updating it gets 404/,
  /✓ Acme deleting it gets 404/,
  /✓ the new ticket is Acme's/,
  /"organizationId":2} {2}as alice@acme\.test \(Acme\)\n {4}← 403 \{"error":"CROSS_TENANT_WRITE"/,
  /✓ both organizations read the same items/,
  /✓ Acme sees only its own address\(es\) of the same customer/,
]

function expectSuccessfulDemo(run: DemoRun): void {
  const output = `${run.stdout}\n--- stderr ---\n${run.stderr}`
  expect(run.code, `the demo exited ${run.code}:\n${output}`).to.equal(0)
  // The child ran on this run's TypeORM line and store, not on defaults.
  expect(run.stdout, output).to.contain(`typeorm ${typeormVersion()}, store ${storeName},`)
  for (const line of EXPECTED_LINES) expect(run.stdout, `missing ${line}:\n${output}`).to.match(line)
  const summary = /✓ (\d+) of (\d+) expectations held/.exec(run.stdout)
  expect(summary, output).to.not.equal(null)
  expect(summary?.[1]).to.equal(summary?.[2])
  expect(run.stdout).to.not.contain('✗')
}

describe('samples/support-desk --demo', function () {
  this.timeout(180_000)

  before(function () {
    if (!existsSync(join(root, 'dist', 'cjs', 'index.js'))) {
      throw new Error('the sample imports the built package: run `npm run build` before this spec')
    }
  })

  it('walks through the API on the embedded PGlite and every isolation expectation holds', async () => {
    const run = await runDemo({ DATABASE_URL: '' })
    expect(run.stdout).to.contain('embedded PGlite')
    expectSuccessfulDemo(run)
  })

  it('does the same on a real PostgreSQL server given by DATABASE_URL, in its own schema', async function () {
    // The suite's server (TENANCY_TEST_POSTGRES_URL or its container); on an embedded run there is none,
    // and the PGlite case above is the whole story.
    const { url } = await postgresSource()
    if (!url) this.skip()
    const schema = `sample_${randomBytes(5).toString('hex')}`
    const client = new Client({ connectionString: url })
    await client.connect()
    try {
      const run = await runDemo({ DATABASE_URL: url, DATABASE_SCHEMA: schema })
      expect(run.stdout).to.contain(`schema "${schema}"`)
      expectSuccessfulDemo(run)
      // The rows the demo isolated were really there: both organizations' tickets, side by side.
      const rows = await client.query<{ organizationId: number; count: string }>(
        `SELECT "organizationId", count(*) AS count FROM "${schema}"."support_ticket" GROUP BY 1 ORDER BY 1`,
      )
      expect(rows.rows.map((r) => [r.organizationId, Number(r.count)])).to.deep.equal([
        [1, 2],
        [2, 2],
      ])
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    }
  })
})
