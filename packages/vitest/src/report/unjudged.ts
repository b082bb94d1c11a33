// A test that ran load but judged it with no Faultline matcher (plain `expect(report.p95)…`, or no
// assertion at all) still gets a chart of each run: the setup file listens to every finished load report
// (core's onLoadReport), and after a test that ran load and has no chart (in an afterEach: once the test has
// finished, Vitest takes no more annotations), draws each of its runs as "not judged". A test whose
// matchers drew charts gets no more: they show its runs already.
import { type LoadReport, onLoadReport } from '@faultline/core'
import { TestRunner } from 'vitest'
import { attachChart, chartsOf, drawChartsLaterWhileMeasuring, drawLaterCharts } from './attach.js'

const runs = new WeakMap<object, LoadReport[]>()

/** What an unjudged run's chart says in place of an assertion. */
export const NOT_JUDGED = 'no Faultline matcher judged this load run'

/**
 * After a test (the setup file's afterEach): draws the charts its matchers asked for while a load run was
 * measuring, then the load runs no matcher judged, if its matchers drew no chart.
 *
 * @example
 * afterEach(({ task }) => chartAfterTest(task))
 */
export function chartAfterTest(test: object): void {
  drawLaterCharts(test)
  const reports = runs.get(test)
  runs.delete(test)
  if (!reports || chartsOf(test) > 0) return
  for (const report of reports) {
    attachChart({ task: test }, { report, limits: {} }, { assertion: NOT_JUDGED, held: null, finding: '' })
  }
}

function remember(report: LoadReport): void {
  const test = TestRunner.getCurrentTest()
  // A run in beforeAll (or outside any test) belongs to no test: the tests that judge it chart it.
  if (!test) return
  const reports = runs.get(test) ?? []
  runs.set(test, reports)
  reports.push(report)
}

// One listener per worker, however often the setup file runs in it (`isolate: false` reruns it per file
// against the same core module).
const LISTENING = Symbol.for('faultline.unjudged-runs')

/**
 * Charts the load runs of each test that no matcher judged, from now on in this worker, and lets charts
 * asked for while a run is measuring wait for the end of their test (the setup file calls it, and
 * `chartAfterTest` after each test). Returns the function that stops listening to runs.
 *
 * @example
 * import { chartUnjudgedRuns } from './report/unjudged.js'
 * chartUnjudgedRuns()
 */
export function chartUnjudgedRuns(): () => void {
  drawChartsLaterWhileMeasuring()
  const holder = globalThis as { [LISTENING]?: () => void }
  holder[LISTENING]?.()
  const stop = onLoadReport(remember)
  holder[LISTENING] = stop
  return stop
}
