import { formatCount, formatRatio, type LoadReport } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkRatio } from './limits.js'
import { args, message, relation, where } from './message.js'
import { requireErrorRateSamples, type SampleOptions, toReport } from './report-input.js'

/** `ECONNRESET 20, HTTP 503 10`: the kinds of errors, most frequent first. */
export function errorKinds(report: LoadReport): string {
  return Object.entries(report.errorsByKind)
    .map(([kind, n]) => `${kind} ${formatCount(n)}`)
    .join(', ')
}

/**
 * Passes when errors / completed calls is below `limit` (0.01 is 1 %). Refuses to judge fewer calls than
 * one error would need to fit within the limit (100 for 1 %; `minSamples` overrides).
 *
 * @example
 * expect(report).toHaveErrorRateBelow(0.01)
 */
export function toHaveErrorRateBelow(
  this: MatcherState,
  received: unknown,
  limit: number,
  options?: SampleOptions,
): SyncMatcherResult {
  const report = toReport(received, 'toHaveErrorRateBelow')
  checkRatio(limit, 'limit')
  requireErrorRateSamples(report, limit, options)
  const measured = report.errorRate
  const pass = measured < limit
  const tag = report.tagName === undefined ? '' : ` tagged ${report.tagName}`
  const finding = `error rate ${formatRatio(measured)} ${relation(measured, limit)} ${formatRatio(limit)}: ${formatCount(report.errors)} errors in ${formatCount(report.count)} ${report.unit}${tag} (${where(report)})`
  const kinds = errorKinds(report)
  return {
    pass,
    message: () =>
      message({
        matcher: 'toHaveErrorRateBelow',
        args: args(limit, options),
        isNot: this.isNot,
        lines: pass ? [`${finding}, expected at least ${formatRatio(limit)}`] : [finding],
        ...(kinds === '' ? {} : { hints: [`errors by kind: ${kinds}`] }),
      }),
    actual: measured,
    expected: limit,
  }
}
