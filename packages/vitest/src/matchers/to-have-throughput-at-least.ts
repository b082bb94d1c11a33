import { FaultlineError, formatCount, formatRate, formatSeconds } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkRate } from './limits.js'
import { args, message, relation, where } from './message.js'
import { toReport } from './report-input.js'

/**
 * Passes when completed calls per second over the run reach `perSecond`.
 *
 * @example
 * expect(report).toHaveThroughputAtLeast(1_000)
 */
export function toHaveThroughputAtLeast(
  this: MatcherState,
  received: unknown,
  perSecond: number,
): SyncMatcherResult {
  const report = toReport(received, 'toHaveThroughputAtLeast')
  checkRate(perSecond, 'perSecond')
  if (!(report.durationMs > 0)) {
    throw new FaultlineError(
      'TOO_FEW_SAMPLES',
      `throughput needs a run that lasted, this one lasted ${report.durationMs} ms`,
    )
  }
  const measured = report.throughput
  const pass = measured >= perSecond
  const tag = report.tagName === undefined ? '' : ` tagged ${report.tagName}`
  const finding = `throughput ${formatRate(measured)} ${relation(measured, perSecond)} ${formatRate(perSecond)}: ${formatCount(report.count)} ${report.unit}${tag} in ${formatSeconds(report.durationMs)} s (${where(report)})`
  return {
    pass,
    message: () =>
      message({
        matcher: 'toHaveThroughputAtLeast',
        args: args(perSecond),
        isNot: this.isNot,
        lines: pass ? [`${finding}, expected below ${formatRate(perSecond)}`] : [finding],
        ...(!pass && report.dropped > 0
          ? { hints: [`${formatCount(report.dropped)} arrivals were dropped (too many calls in flight)`] }
          : {}),
      }),
    actual: measured,
    expected: perSecond,
  }
}
