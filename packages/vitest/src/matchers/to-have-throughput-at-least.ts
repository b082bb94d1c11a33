import {
  FaultlineError,
  formatCount,
  formatMs,
  formatRate,
  formatSeconds,
  type LoadReport,
} from '@faultline/core'
import type { MatcherState } from 'vitest'
import { THROUGHPUT_CALLS_FLOOR, throughputWindowFloorMs } from './floors.js'
import { checkRate } from './limits.js'
import { formatArgs, formatWindow, meets, opposite, type VerdictResult, verdict, versus } from './message.js'
import { countedLines } from './outcomes.js'
import { asReport } from './report-input.js'

/** Throws `TOO_FEW_SAMPLES` unless the report's window is long enough to judge `perSecond`. */
export function requireThroughputWindow(report: LoadReport, perSecond: number, what = 'throughput'): void {
  const needed = throughputWindowFloorMs(perSecond)
  const spanMs = report.activeMs
  if (spanMs >= needed) return
  // Just below the floor reads "1.0 s" like the floor itself: then say it in ms.
  const seconds = formatSeconds(spanMs)
  const ran = seconds === formatSeconds(needed) ? formatMs(spanMs) : `${seconds} s`
  throw new FaultlineError(
    'TOO_FEW_SAMPLES',
    `${what} of ${formatRate(perSecond)} needs at least ${formatSeconds(needed)} s of load (1 s, and ${THROUGHPUT_CALLS_FLOOR} calls at the limit); the load ran ${ran} (${formatWindow(report)}). Run the load longer.`,
  )
}

/**
 * What a throughput rests on: `1,000 of 2,000 requests completed in 10.0 s (floor 1.0 s, window …)`.
 * The seconds are the active window throughput is computed over.
 */
export function throughputFinding(report: LoadReport, perSecond: number): string {
  const of = report.completed === report.count ? '' : ` of ${formatCount(report.count)}`
  const tag = report.tagName === undefined ? '' : ` tagged ${report.tagName}`
  return `${formatCount(report.completed)}${of} ${report.unit}${tag} completed in ${formatSeconds(report.activeMs)} s (floor ${formatSeconds(throughputWindowFloorMs(perSecond))} s, ${formatWindow(report)})`
}

/**
 * Passes when completed calls per second over the active window reach `perSecond` (at or above). Dropped
 * arrivals did not complete. Refuses a window under 1 s, or too short for the limit to mean 10 calls.
 *
 * @example
 * expect(report).toHaveThroughputAtLeast(1_000)
 */
export function toHaveThroughputAtLeast(
  this: MatcherState,
  received: unknown,
  perSecond: number,
): VerdictResult {
  const report = asReport(received, 'toHaveThroughputAtLeast')
  checkRate(perSecond, 'perSecond')
  requireThroughputWindow(report, perSecond)
  const measured = report.throughput
  const pass = meets(measured, perSecond, 'floor')
  return verdict(this, {
    matcher: 'toHaveThroughputAtLeast',
    args: formatArgs(perSecond),
    pass,
    finding: `throughput ${versus(measured, perSecond, 'floor', formatRate)}: ${throughputFinding(report, perSecond)}`,
    notExpected: `${opposite('floor')} ${formatRate(perSecond)}`,
    lines: countedLines(report, 'not completed'),
    chart: { report, limits: { throughput: perSecond } },
    actual: measured,
    expected: perSecond,
  })
}
