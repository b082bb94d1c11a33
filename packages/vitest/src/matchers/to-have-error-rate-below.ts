import { formatCount, formatRatio } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { requireFloors } from './floors.js'
import { checkErrorRate } from './limits.js'
import { formatArgs, formatSamples, meets, opposite, type VerdictResult, verdict, versus } from './message.js'
import { countedLines, errorKinds } from './outcomes.js'
import { asReport, checkSampleOptions, errorRateSamples, type SampleOptions } from './report-input.js'

/**
 * Passes when errors / arrivals is at or below `limit` (0.01 is 1 %; 0 means no error at all). Dropped
 * arrivals are errors. Refuses to judge fewer calls than one error needs to fit within the limit (100 for
 * 1 %), 10 at least, 100 for a limit of 0 (`minSamples` overrides).
 *
 * @example
 * expect(report).toHaveErrorRateBelow(0.01)
 * expect(report.window(0, 10_000)).toHaveErrorRateBelow(0) // no error before the fault
 */
export function toHaveErrorRateBelow(
  this: MatcherState,
  received: unknown,
  limit: number,
  options?: SampleOptions,
): VerdictResult {
  const report = asReport(received, 'toHaveErrorRateBelow')
  checkErrorRate(limit, 'limit')
  const line = errorRateSamples(report, limit, checkSampleOptions(options))
  requireFloors(report, [line])
  const measured = report.errorRate
  const pass = meets(measured, limit, 'ceiling')
  const kinds = errorKinds(report)
  return verdict(this, {
    matcher: 'toHaveErrorRateBelow',
    args: formatArgs(limit, options),
    pass,
    finding: `error rate ${versus(measured, limit, 'ceiling', formatRatio)}: ${formatCount(report.errors)} errors in ${formatSamples(report, report.count, line.floor.needed)}`,
    notExpected: `${opposite('ceiling')} ${formatRatio(limit)}`,
    lines: countedLines(report, 'counted as errors'),
    hints: kinds === '' ? [] : [`errors by kind: ${kinds}`],
    chart: { report, limits: { errorRate: limit } },
    actual: measured,
    expected: limit,
  })
}
