import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LoadReport, type LoadReportJSON } from '@faultline/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectPageShowsRegions } from './matchers/docs-regions.test-support.js'
import { type NestedRun, runNestedVitest } from './nested-vitest.test-support.js'
import { loadReports } from './saved-reports.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/shards', import.meta.url))
const REPORTS = join(FIXTURE, 'reports')
const SAVED = join(REPORTS, 'load')

/** Runs vitest in the fixture project, in a process of its own, with `args`. */
function vitest(args: readonly string[]): Promise<NestedRun> {
  return runNestedVitest(['run', ...args, '--root', FIXTURE], {
    cwd: FIXTURE,
    env: { FAULTLINE_CHARTS: '0' },
  })
}

/** The saved reports' files, relative to reports/load/. */
function savedFiles(): string[] {
  return readdirSync(SAVED, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort()
}

/** What a verdicts run judged: each test's name, state and failure message (without its stack). */
interface Verdicts {
  readonly code: number | null
  readonly tests: readonly { name: string; status: string; failure: string[] }[]
  /** The merged report the verdicts judged, as JSON. */
  readonly merged: LoadReportJSON
}

/** Runs the verdicts project over the reports the load runs saved, as the docs' command does. */
async function verdicts(): Promise<Verdicts> {
  const out = join(REPORTS, 'verdicts.json')
  const { code, output } = await vitest(['--project', 'verdicts', '--reporter=json', `--outputFile=${out}`])
  const json = JSON.parse(readFileSync(out, 'utf8')) as {
    testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[]
  }
  const tests = json.testResults.flatMap((file) =>
    file.assertionResults.map((t) => ({
      name: t.fullName,
      status: t.status,
      failure: t.failureMessages.map((m) => m.split('\n    at ')[0] ?? m),
    })),
  )
  expect(tests, output).toHaveLength(3)
  return {
    code,
    tests,
    merged: LoadReport.merge(loadReports('api', { dir: SAVED }), { align: 'start' }).toJSON(),
  }
}

describe('a suite sharded in two, judged as a whole', () => {
  let shards: { run: NestedRun; files: string[] }[]
  let sharded: Verdicts
  let whole: { run: NestedRun; files: string[] }
  let unsharded: Verdicts
  beforeAll(async () => {
    rmSync(REPORTS, { recursive: true, force: true })
    // As on two CI machines, one after the other here so that each shard's files can be told apart.
    const first = await vitest(['--project', 'load', '--shard=1/2'])
    const firstFiles = savedFiles()
    const second = await vitest(['--project', 'load', '--shard=2/2'])
    shards = [
      { run: first, files: firstFiles },
      { run: second, files: savedFiles().filter((f) => !firstFiles.includes(f)) },
    ]
    sharded = await verdicts()
    // The same suite unsharded, from nothing.
    rmSync(REPORTS, { recursive: true, force: true })
    const run = await vitest(['--project', 'load'])
    whole = { run, files: savedFiles() }
    unsharded = await verdicts()
  }, 300_000)
  afterAll(() => {
    rmSync(REPORTS, { recursive: true, force: true })
  })

  it('each shard runs its own tests and saves their reports', () => {
    for (const { run } of [...shards, whole]) expect(run.code, run.output).toBe(0)
    expect(shards.map((s) => s.files)).toEqual([
      [join('api', 'load_checkout.fixture.ts', 'checkout_calls_the_api-1.json')],
      [join('api', 'load_search.fixture.ts', 'search_calls_the_api-1.json')],
    ])
    expect(whole.files).toEqual([...shards[0]!.files, ...shards[1]!.files])
  })

  it('yields one merged verdict, equal to the unsharded run', () => {
    expect(sharded.code).toBe(1)
    expect(sharded.tests.map((t) => [t.name, t.status])).toEqual([
      ['every test of every shard saved its report', 'passed'],
      ['the api keeps its p99 under 200 ms over all shards', 'passed'],
      ['the api meets its SLO over all shards', 'failed'],
    ])
    // Judged over all 120 requests of both shards (alone, each shard had 60: too few for p99).
    expect(sharded.tests[2]?.failure[0]).toContain(
      [
        '1 of 2 SLO lines breached over 120 requests (window 0.0-1.5 s, 2 runs merged, seeds 7):',
        '  ✓ p95 150 ms <= 160 ms (120 samples, floor 20)',
        '  ✗ error rate 2.5 % > 1 % (3 errors in 120, floor 100)',
      ].join('\n'),
    )
    expect(unsharded.code).toBe(sharded.code)
    expect(unsharded.tests).toEqual(sharded.tests)
    expect(unsharded.merged).toEqual(sharded.merged)
    expect([sharded.merged.count, sharded.merged.runs, sharded.merged.errors]).toEqual([120, 2, 3])
  })

  it('is what docs/scale.md shows', () => {
    const verdictsFile = new URL('../fixtures/shards/verdicts/api.fixture.ts', import.meta.url).href
    expectPageShowsRegions('docs/scale.md', verdictsFile, ['verdicts'])
  })
})
