// Every report a load run finishes with, announced to whoever listens: how @faultline/vitest draws the
// chart of a test's load run that no matcher judged. And how many runs are measuring right now, so that
// work that would block the event loop (drawing a chart) can wait until none is. Core knows no test
// runner; the listener does.
import type { LoadReport } from './report.js'

/** Called with the report of every load run (`load`, `httpLoad`) as it finishes. */
export type LoadReportListener = (report: LoadReport) => void

const listeners = new Set<LoadReportListener>()

/**
 * Listens to the reports of every load run in this process; returns the function that stops listening.
 *
 * @example
 * const stop = onLoadReport((report) => console.log(report.summary()))
 * await load(() => fetch(url), { rate: 10, duration: 1_000 })
 * stop()
 */
export function onLoadReport(listener: LoadReportListener): () => void {
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}

/**
 * Hands a finished run's report to every listener. For load engines; a listener that throws is reported
 * as a warning and never fails the run.
 *
 * @example
 * const report = recorder.finish(elapsed)
 * announceLoadReport(report)
 */
export function announceLoadReport(report: LoadReport): void {
  for (const listener of listeners) {
    try {
      listener(report)
    } catch (error) {
      console.warn(`faultline: a load report listener failed: ${String(error)}`)
    }
  }
}

let measuring = 0

/**
 * Counts a load run as measuring until the returned function is called (once; later calls do nothing).
 * For load engines: call it when the run starts, and the returned function when it ends, whatever way.
 *
 * @example
 * const ended = loadRunStarted()
 * try { await drive() } finally { ended() }
 */
export function loadRunStarted(): () => void {
  measuring++
  let done = false
  return () => {
    if (done) return
    done = true
    measuring--
  }
}

/**
 * How many load runs of this process are measuring now: while one is, a synchronous task of tens of ms
 * would show up in its latencies (in the open model, as late starts).
 *
 * @example
 * if (loadRunsMeasuring() === 0) drawChartNow()
 */
export function loadRunsMeasuring(): number {
  return measuring
}
