// Reporter benchmark: what the charts and the Faultline reporter add to a suite's time. Results:
// bench/results/reporter.json. The suite (bench/fixtures/reporter-suite: four files, each a 3 s load run
// judged by two matchers) runs in three ways, interleaved round by round so that the machine's moods fall
// on all three alike:
//
//   none      FAULTLINE_CHARTS=0, Vitest's default reporter only
//   charts    the matchers draw and attach their charts (the default), default reporter only
//   reporter  charts, and the Faultline reporter beside the default one (terminal summary, HTML report)
//
// Target: the suite with the reporter (charts included) within 5 % of the suite without either.
//
//   npm run bench -- reporter            # 5 rounds; BENCH_ROUNDS=9 for more
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runNestedVitest } from '../packages/vitest/src/nested-vitest.test-support.ts'
import { median, round } from './support.ts'

const here = dirname(fileURLToPath(import.meta.url))
const SUITE = join(here, 'fixtures', 'reporter-suite')
const REPORTER = join(here, '..', 'packages', 'vitest', 'src', 'reporter.ts')
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const TARGET = 0.05

type Mode = 'none' | 'charts' | 'reporter'

/** One run of the suite in `mode`, in a scratch directory of its own; its wall time in ms. */
async function runSuite(mode: Mode): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-reporter-'))
  const reporters =
    mode === 'reporter'
      ? [
          '--reporter=default',
          `--reporter=${REPORTER}`,
          `--outputFile.faultline=${join(scratch, 'faultline.html')}`,
        ]
      : ['--reporter=default']
  try {
    const { code, output, ms } = await runNestedVitest(['run', '--root', SUITE, ...reporters], {
      cwd: scratch,
      env: { FAULTLINE_CHARTS: mode === 'none' ? '0' : '1' },
      timeout: 180_000,
    })
    if (code !== 0) throw new Error(`the ${mode} run of the suite failed (exit ${code}):\n${output}`)
    if (mode === 'reporter' && !output.includes('Report: '))
      throw new Error(`no Faultline summary:\n${output}`)
    return ms
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

const times: Record<Mode, number[]> = { none: [], charts: [], reporter: [] }
await runSuite('none') // warm-up: the file system cache and the transform cache, for every mode alike
for (let r = 0; r < rounds; r++) {
  // Each round in a different order: none of the three always runs first (or after the same one).
  const order: Mode[][] = [
    ['none', 'charts', 'reporter'],
    ['reporter', 'none', 'charts'],
    ['charts', 'reporter', 'none'],
  ]
  for (const mode of order[r % 3]!) times[mode].push(await runSuite(mode))
}
const none = median(times.none)
const charts = median(times.charts)
const reporter = median(times.reporter)
const result = {
  rounds,
  suite: 'bench/fixtures/reporter-suite: 4 files, each a 3 s load run at 100/s judged by 2 matchers',
  medianSuiteMs: { none: round(none, 0), charts: round(charts, 0), reporter: round(reporter, 0) },
  suiteMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map((x) => round(x, 0))])),
  chartsOverhead: round(charts / none - 1, 4),
  reporterOverhead: round(reporter / charts - 1, 4),
  chartsAndReporterOverhead: round(reporter / none - 1, 4),
  target:
    'chartsAndReporterOverhead < 0.05: the suite with the reporter and its charts within 5 % of without',
  met: reporter / none - 1 < TARGET,
}
writeFileSync(join(here, 'results', 'reporter.json'), `${JSON.stringify(result, null, 2)}\n`)
const pct = (x: number) => `${round(x * 100, 1)} %`
console.log(
  `reporter: suite median ${result.medianSuiteMs.none} ms without charts, ${result.medianSuiteMs.charts} ms with charts, ${result.medianSuiteMs.reporter} ms with charts and the reporter (${rounds} rounds): charts +${pct(result.chartsOverhead)}, reporter +${pct(result.reporterOverhead)}, both +${pct(result.chartsAndReporterOverhead)} (target < ${pct(TARGET)})`,
)
process.exit(result.met ? 0 : 1)
