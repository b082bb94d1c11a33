// The Faultline reporter: at the end of a run, one terminal line per test whose load runs were judged (its
// verdict and each chart's numbers), and one self-contained HTML report (no network: the SVG charts
// inlined, no external script or style) at reports/faultline.html — one per shard with `--shard`. It reads
// the `faultline:chart` annotations the matchers attach (report/attach.ts); watch mode rewrites it per run.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { TestAttachment } from 'vitest'
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node'
import {
  CHART_MESSAGE_PREFIX,
  type ChartFacts,
  readChartData,
  withoutChartData,
} from './report/chart-data.js'
import { escapeHtml } from './report/markup.js'

export { escapeHtml } from './report/markup.js'

/** One chart of a test, as the reporter read it from its annotation. */
export interface ReportedChart {
  /** Where the matcher wrote the SVG, relative to the run's directory. */
  readonly path: string
  /** The picture, without its embedded data. */
  readonly svg: string
  /** The numbers of the verdict (undefined: a chart without data, e.g. drawn by an older version). */
  readonly facts: ChartFacts | undefined
  /** The judged report as JSON (`LoadReport.fromJSON` rebuilds it). */
  readonly report: unknown
}

/** A test with at least one chart. */
export interface ReportedTest {
  /** The test file, relative to the project's root. */
  readonly file: string
  /** The test's full name, suites included. */
  readonly name: string
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending'
  readonly charts: readonly ReportedChart[]
}

/** Options of the Faultline reporter. */
export interface FaultlineReporterOptions {
  /** Where the HTML report goes, relative to the run's directory: `reports/faultline.html` by default. */
  readonly outputFile?: string
}

/** The HTML report's default path; with `--shard=i/n`, `reports/faultline-<i>-of-<n>.html`. */
export const REPORT_FILE = join('reports', 'faultline.html')

function chartOf(annotation: { message: string; attachment?: TestAttachment }): ReportedChart {
  const path = annotation.message.replace(CHART_MESSAGE_PREFIX, '')
  const body = annotation.attachment?.body
  const svg =
    typeof body === 'string'
      ? Buffer.from(body, 'base64').toString('utf8')
      : body === undefined
        ? ''
        : Buffer.from(body).toString('utf8')
  const data = readChartData(svg)
  return { path, svg: withoutChartData(svg), facts: data?.facts, report: data?.report }
}

/**
 * The tests of a run that have `faultline:chart` annotations, in run order.
 *
 * @example
 * const tests = chartedTests(testModules) // [{ file, name, state, charts: [{ path, svg, facts }] }]
 */
export function chartedTests(testModules: ReadonlyArray<TestModule>): ReportedTest[] {
  const tests: ReportedTest[] = []
  for (const module of testModules) {
    for (const test of module.children.allTests()) {
      // Charts drawn in the test are annotations; those drawn after it (its unjudged runs) are artifacts.
      const charts = [
        ...test.annotations().filter((a) => a.type === 'faultline:chart'),
        ...test
          .artifacts()
          .flatMap((a) =>
            a.type === 'faultline:chart' ? [{ message: a.message, attachment: a.attachments[0] }] : [],
          ),
      ]
      if (charts.length === 0) continue
      tests.push({
        file: module.relativeModuleId,
        name: test.fullName,
        state: stateOf(test),
        charts: charts.map(chartOf),
      })
    }
  }
  return tests
}

function stateOf(test: TestCase): ReportedTest['state'] {
  return test.result().state
}

function ms(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(value < 10 ? 1 : 0)} ms`
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)} %`
}

type FactsFault = ChartFacts['faults'][number]

function windowOf(f: FactsFault): string {
  return `${f.startS.toFixed(1)}-${f.healedS === null ? 'end (not healed)' : `${f.healedS.toFixed(1)} s`}`
}

// What callers saw, to the series' resolution: `errors after 250 ms, recovered 0 ms after heal, per
// 250 ms interval`, `no errors`, `errors after 0 ms, errors never stopped, per 100 ms interval`.
function impactOf(f: FactsFault): string {
  // Charts drawn before detection and recovery were recorded have neither.
  if (f.detectionMs === undefined) return ''
  if (f.detectionMs === null) return 'no errors'
  const recovery =
    f.recoveryMs === null
      ? f.healedS === null
        ? 'not healed'
        : 'errors never stopped'
      : `recovered ${ms(f.recoveryMs)} after heal`
  return `errors after ${ms(f.detectionMs)}, ${recovery}, per ${ms(f.resolutionMs)} interval`
}

function faultsOf(facts: ChartFacts): string {
  if (facts.faults.length === 0) return 'no faults'
  return facts.faults
    .map((f) => {
      const impact = impactOf(f)
      return `${f.name} ${windowOf(f)}${impact ? ` (${impact})` : ''}`
    })
    .join(', ')
}

/** The numbers of one chart, e.g. `p95 12 ms, error rate 33.3 %, 98.5/s, faults: api down 0.8-1.6 s, seed 7`. */
/**
 * The verdict of one chart, e.g. `toMeetSLO FAILED`, `not.toHaveP95Below held`, `not judged`: a test can
 * pass while a matcher in it failed (a test that asserts the naive code fails).
 */
function verdictOf(facts: ChartFacts): string {
  if (facts.held === null) return 'not judged'
  const matcher = /\)\.((?:not\.)?to\w+)\(/.exec(facts.assertion)?.[1] ?? facts.assertion
  return `${matcher} ${facts.held ? 'held' : 'FAILED'}`
}

function numbers(facts: ChartFacts | undefined): string {
  if (!facts) return 'no numbers'
  return `${verdictOf(facts)}: p95 ${ms(facts.p95)}, error rate ${percent(facts.errorRate)}, ${facts.throughput.toFixed(1)}/s, faults: ${faultsOf(facts)}${facts.seed === null ? '' : `, seed ${facts.seed}`}`
}

/**
 * The terminal summary: one line per test with charts, `<state> <name>: <verdict and numbers of each
 * chart>`.
 *
 * @example
 * summaryLines(chartedTests(testModules)) // ['FAILED checkout: p95 12 ms, error rate 33.3 %, …']
 */
export function summaryLines(tests: readonly ReportedTest[]): string[] {
  return tests.map(
    (test) =>
      `${test.state === 'failed' ? 'FAILED' : test.state} ${test.name}: ${test.charts.map((c) => numbers(c.facts)).join(' | ')}`,
  )
}

// Inlined as the matchers rendered it, without its XML declaration (not allowed in HTML), and with its ids
// (clip paths, gradients) prefixed per chart: charts drawn in different workers reuse the same ids, and in
// one document `url(#id)` would point at the first chart's.
function inlineSvg(svg: string, n: number): string {
  return svg
    .replace(/^\s*<\?xml[^>]*\?>\s*/, '')
    .replace(/\bid="([^"]+)"/g, `id="fl${n}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#fl${n}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#fl${n}-$1"`)
}

function chartHtml(chart: ReportedChart, n: number): string {
  const facts = chart.facts
  const rows = facts
    ? [
        ['assertion', facts.assertion],
        ['verdict', facts.held === null ? 'not judged' : facts.held ? 'held' : 'FAILED'],
        ['p95', ms(facts.p95)],
        ['error rate', percent(facts.errorRate)],
        ['throughput', `${facts.throughput.toFixed(1)}/s`],
        ['calls', String(facts.count)],
        ['faults', faultsOf(facts)],
        ['seed', facts.seed === null ? 'none' : String(facts.seed)],
      ]
    : []
  // The numbers as JSON for machines (and the browser check: the time axis and the fault windows), and
  // the judged report's whole JSON (LoadReport.fromJSON rebuilds it).
  const data = facts ? ` data-facts="${escapeHtml(JSON.stringify(facts))}"` : ''
  const report =
    chart.report === undefined
      ? ''
      : `\n<details><summary>Report JSON</summary><pre class="report-json">${escapeHtml(JSON.stringify(chart.report, null, 2))}</pre></details>`
  return `<figure${data}>
<div class="chart">${inlineSvg(chart.svg, n)}</div>
<figcaption>${escapeHtml(chart.path)}</figcaption>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k!)}</th><td>${escapeHtml(v!)}</td></tr>`).join('')}</table>${report}
</figure>`
}

/**
 * The whole HTML report of a run: per test, its name, file, state, charts (SVG inlined), numbers and seed.
 * Self-contained: no script, no external style, image or font.
 *
 * @example
 * writeFileSync('reports/faultline.html', reportHtml(chartedTests(testModules), 'run of 2026-11-26'))
 */
export function reportHtml(tests: readonly ReportedTest[], subtitle: string): string {
  let n = 0
  const sections = tests
    .map(
      (test) => `<section class="${test.state}">
<h2>${escapeHtml(test.name)} <span class="state">${escapeHtml(test.state)}</span></h2>
<p class="file">${escapeHtml(test.file)}</p>
${test.charts.map((chart) => chartHtml(chart, ++n)).join('\n')}
</section>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Faultline report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #111827; }
section { border-top: 1px solid #d1d5db; padding: 1em 0; }
.state { font-size: 0.7em; padding: 0.1em 0.5em; border-radius: 0.3em; background: #d1fae5; }
.failed .state { background: #fee2e2; }
.file, figcaption { color: #6b7280; font-size: 0.85em; }
figure { margin: 1em 0; }
th { text-align: left; padding-right: 1em; font-weight: 600; }
pre.report-json { max-height: 30em; overflow: auto; background: #f9fafb; padding: 0.5em; font-size: 0.8em; }
</style>
</head>
<body>
<h1>Faultline report</h1>
<p>${escapeHtml(subtitle)}</p>
${tests.length === 0 ? '<p>No test judged a load run.</p>' : sections}
</body>
</html>
`
}

/**
 * The Faultline reporter for Vitest. Switch it on with `reporters: ['default', '@faultline/vitest/reporter']`
 * in the root config, or `faultline({ reporter: true })`.
 *
 * @example
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config'
 *
 * export default defineConfig({
 *   test: { reporters: ['default', '@faultline/vitest/reporter'] },
 * })
 */
export class FaultlineReporter implements Reporter {
  readonly #options: FaultlineReporterOptions
  #vitest: Vitest | undefined

  constructor(options: FaultlineReporterOptions = {}) {
    this.#options = options
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  /**
   * The HTML report's path, relative to the run's directory: the option, else Vitest's
   * `--outputFile.faultline=<path>` (`outputFile: { faultline: '<path>' }` in the config), else the default.
   */
  get outputFile(): string {
    if (this.#options.outputFile) return this.#options.outputFile
    const configured = this.#vitest?.config.outputFile
    if (typeof configured === 'object' && typeof configured.faultline === 'string')
      return configured.faultline
    const shard = this.#vitest?.config.shard
    return shard ? join('reports', `faultline-${shard.index}-of-${shard.count}.html`) : REPORT_FILE
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const tests = chartedTests(testModules)
    const root = this.#vitest?.config.root ?? process.cwd()
    const file = resolve(root, this.outputFile)
    const shard = this.#vitest?.config.shard
    const subtitle = `${tests.length} tests with charts${shard ? `, shard ${shard.index} of ${shard.count}` : ''}`
    try {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, reportHtml(tests, subtitle))
    } catch (error) {
      this.#log(`faultline: could not write ${file}: ${String(error)}`)
      return
    }
    if (tests.length === 0) return
    this.#log(
      [
        '',
        'Faultline',
        ...summaryLines(tests).map((line) => `  ${line}`),
        `  Report: ${this.outputFile}`,
        '',
      ].join('\n'),
    )
  }

  #log(text: string): void {
    const logger = this.#vitest?.logger
    if (logger) logger.log(text)
    else console.log(text)
  }
}

export default FaultlineReporter
