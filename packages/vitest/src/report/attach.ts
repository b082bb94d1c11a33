// The chart of a judged report, attached to the test that judged it: written under reports/charts/ and
// recorded as a Vitest annotation with the SVG as its attachment (`vitest --ui` and the HTML reporter
// show it beside the test). The matchers reach this through `verdict()`; it never changes a verdict: a
// chart that cannot be drawn or written is skipped with a warning.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { faultImpact, type LoadReport, loadRunsMeasuring } from '@faultline/core'
import { type RunnerTestCase, recordArtifact, type TestAttachment } from 'vitest'
import { type ChartLimits, renderLoadChart } from './chart.js'
import { CHART_MESSAGE_PREFIX, type ChartFacts, embedChartData } from './chart-data.js'

export {
  CHART_MESSAGE_PREFIX,
  type ChartData,
  type ChartFacts,
  embedChartData,
  readChartData,
  withoutChartData,
} from './chart-data.js'

/** The report a matcher judged and the limits it judged it against. */
export interface ChartRequest {
  readonly report: LoadReport
  readonly limits: ChartLimits
}

/** What the chart's title says about the judgement. */
export interface ChartVerdict {
  /** The assertion as written, e.g. `expect(report).toHaveP95Below(500)`. */
  readonly assertion: string
  /** Whether the assertion (with its `.not`) held; null: no matcher judged the run (see unjudged.ts). */
  readonly held: boolean | null
  /** What was measured against what, e.g. `p95 812 ms > 500 ms over …`. */
  readonly finding: string
}

/**
 * The facts of a judged report for its chart.
 *
 * @example
 * chartFacts(report, { assertion: 'expect(report).toHaveP95Below(500)', held: true, finding: '' }).p95 // 12.5
 */
export function chartFacts(report: LoadReport, verdict: ChartVerdict): ChartFacts {
  const seconds = (at: number) => Math.round(at - report.startedAt) / 1000
  return {
    assertion: verdict.assertion,
    held: verdict.held,
    p95: report.p95,
    errorRate: report.errorRate,
    throughput: report.throughput,
    count: report.count,
    seed: report.seed ?? null,
    fromS: report.windowStartMs / 1000,
    toS: (report.windowStartMs + report.durationMs) / 1000,
    faults: report.faults.map((fault) => {
      const impact = faultImpact(report, fault)
      return {
        name: fault.name,
        startS: seconds(fault.startedAt),
        healedS: fault.healedAt === undefined ? null : seconds(fault.healedAt),
        detectionMs: impact.detectionMs,
        recoveryMs: impact.recoveryMs,
        resolutionMs: impact.resolutionMs,
      }
    }),
  }
}

/** The environment variable that switches the charts off: `FAULTLINE_CHARTS=0` (or `false`, `off`). */
export const CHARTS_ENV = 'FAULTLINE_CHARTS'

/** Where the charts go, relative to the directory Vitest runs in. */
export const CHARTS_DIR = join('reports', 'charts')

/**
 * Whether matchers write and attach charts: yes unless `FAULTLINE_CHARTS` is `0`, `false` or `off`.
 *
 * @example
 * chartsEnabled() // true
 */
export function chartsEnabled(): boolean {
  const value = process.env[CHARTS_ENV]?.trim().toLowerCase()
  return !(value === '0' || value === 'false' || value === 'off')
}

/**
 * A name safe as one path segment on every platform: runs of anything but letters, digits, `.`, `_` and
 * `-` become one `_`, at most 120 characters.
 *
 * @example
 * sanitise('checkout > p95 under 500 ms') // 'checkout_p95_under_500_ms'
 */
export function sanitise(name: string): string {
  const safe = name
    .replace(/[^\w.-]+/g, '_')
    .replace(/^[_.]+|_+$/g, '')
    .slice(0, 120)
  return safe === '' ? 'test' : safe
}

/** A chart recorded after its test's body (see attachChart): Vitest's artifact of a custom type. */
export interface ChartArtifact {
  readonly type: 'faultline:chart'
  /** `Faultline chart: <path>`, as an annotation's message. */
  readonly message: string
  readonly attachments: TestAttachment[]
}

declare module 'vitest' {
  interface TestArtifactRegistry {
    'faultline:chart': ChartArtifact
  }
}

const charted = new WeakMap<object, number>()

/**
 * How many charts a test has had attached so far.
 *
 * @example
 * chartsOf(task) // 0: no matcher judged a report in this test
 */
export function chartsOf(test: object): number {
  return charted.get(test) ?? 0
}

function currentTest(state: object): RunnerTestCase | undefined {
  // Vitest puts the test an assertion runs in on the matcher's state (`this.task`); outside one, nothing.
  const task = (state as { task?: RunnerTestCase }).task
  return task?.type === 'test' && typeof task.context?.annotate === 'function' ? task : undefined
}

/**
 * The path (relative to the working directory) the next chart of `test` goes to:
 * `reports/charts/<test file>/<test name>-<n>.svg`, `n` counting the charts of that test from 1.
 *
 * @example
 * chartPath(test) // 'reports/charts/src_checkout.test.ts/checkout_p95_under_500_ms-1.svg'
 */
export function chartPath(test: RunnerTestCase): string {
  const n = (charted.get(test) ?? 0) + 1
  charted.set(test, n)
  const file = sanitise(relative(process.cwd(), test.file.filepath))
  return join(CHARTS_DIR, file, `${sanitise(test.fullTestName ?? test.name)}-${n}.svg`)
}

/**
 * Draws the chart of a judged report, writes it and attaches it to the current test as an annotation of
 * type `faultline:chart` with the SVG as attachment; returns its path for the matcher's message. Does
 * nothing (returns undefined) outside a test or when `FAULTLINE_CHARTS=0`.
 *
 * @example
 * import { attachChart } from '@faultline/vitest/matchers'
 * import type { LoadReport } from '@faultline/core'
 * import type { MatcherState } from 'vitest'
 *
 * export function toHaveFewRetries(this: MatcherState, report: LoadReport) {
 *   const pass = report.errorRate <= 0.01
 *   const path = attachChart(this, { report, limits: { errorRate: 0.01 } },
 *     { assertion: 'expect(report).toHaveFewRetries()', held: pass !== this.isNot, finding: 'error rate' })
 *   return { pass, message: () => `too many retries${path ? `\nChart: ${path}` : ''}` }
 * }
 */
export function attachChart(state: object, request: ChartRequest, verdict: ChartVerdict): string | undefined {
  if (!chartsEnabled()) return undefined
  const test = currentTest(state)
  if (!test) return undefined
  let path: string
  try {
    path = chartPath(test)
  } catch (error) {
    console.warn(`faultline: no chart for "${test.name}": ${String(error)}`)
    return undefined
  }
  const draw = () => drawChart(test, path, request, verdict)
  // Drawing takes the event loop for tens of ms: while a load run is measuring in this worker, that would
  // show in its latencies. Then the chart waits for the end of the test (the setup file draws it).
  const waiting = laterCharts.get(test)
  if (drawingLater && (waiting !== undefined || loadRunsMeasuring() > 0)) {
    laterCharts.set(test, [...(waiting ?? []), draw])
  } else draw()
  return path
}

/** Charts waiting for the end of their test, because a load run was measuring when they were asked for. */
const laterCharts = new WeakMap<object, (() => void)[]>()
let drawingLater = false

/**
 * From now on, a chart asked for while a load run is measuring is drawn at the end of its test, by
 * `drawLaterCharts` (the setup file calls both: without its afterEach, charts are always drawn at once).
 *
 * @example
 * drawChartsLaterWhileMeasuring()
 * afterEach(({ task }) => drawLaterCharts(task))
 */
export function drawChartsLaterWhileMeasuring(): void {
  drawingLater = true
}

/**
 * Draws the charts of `test` that waited for its end (in the order they were asked for).
 *
 * @example
 * afterEach(({ task }) => drawLaterCharts(task))
 */
export function drawLaterCharts(test: object): void {
  const waiting = laterCharts.get(test)
  laterCharts.delete(test)
  for (const draw of waiting ?? []) draw()
}

function drawChart(test: RunnerTestCase, path: string, request: ChartRequest, verdict: ChartVerdict): void {
  try {
    const picture = renderLoadChart(request.report, {
      title: test.name,
      verdict:
        verdict.held === null
          ? `not judged: ${verdict.assertion}`
          : `${verdict.held ? 'passed' : 'FAILED'}: ${verdict.assertion}: ${verdict.finding}`,
      limits: request.limits,
    })
    const svg = embedChartData(picture, {
      facts: chartFacts(request.report, verdict),
      report: request.report.toJSON(),
    })
    const absolute = resolve(path)
    mkdirSync(dirname(absolute), { recursive: true })
    writeFileSync(absolute, svg)
    const message = `${CHART_MESSAGE_PREFIX}${path}`
    const attachment = { contentType: 'image/svg+xml', body: Buffer.from(svg).toString('base64') }
    // Vitest tracks the annotation and waits for it before it reports the test. Inline (body), so Vitest
    // keeps no copy of the file of its own; the SVG carries its numbers (readChartData). Once the test body
    // has finished (an afterEach: the charts of unjudged runs), Vitest takes no more annotations, but still
    // takes artifacts: the same chart goes there, as a `faultline:chart` artifact.
    const recorded =
      test.result === undefined || test.result.state === 'run'
        ? test.context.annotate(message, 'faultline:chart', attachment)
        : recordArtifact(test, { type: 'faultline:chart', message, attachments: [attachment] })
    recorded.catch((error: unknown) => console.warn(`faultline: could not attach ${path}: ${String(error)}`))
  } catch (error) {
    console.warn(`faultline: no chart for "${test.name}": ${String(error)}`)
  }
}
