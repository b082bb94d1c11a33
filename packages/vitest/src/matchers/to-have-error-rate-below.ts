import { formatCount, formatRatio } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { errorKinds } from './error-kinds.js'
import { checkRatio } from './limits.js'
import { args, meets, message, opposite, samples, versus } from './message.js'
import { countedLines } from './outcomes.js'
import {
  checkSampleOptions,
  errorRateSamples,
  requireFloors,
  type SampleOptions,
  toReport,
} from './report-input.js'

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
): SyncMatcherResult {
  const report = toReport(received, 'toHaveErrorRateBelow')
  checkRatio(limit, 'limit')
  const line = errorRateSamples(report, limit, checkSampleOptions(options))
  requireFloors(report, [line])
  const measured = report.errorRate
  const pass = meets(measured, limit, 'ceiling')
  const finding = `error rate ${versus(measured, limit, 'ceiling', formatRatio)}: ${formatCount(report.errors)} errors in ${samples(report, report.count, line.floor.needed)}`
  const kinds = errorKinds(report)
  return {
    pass,
    message: () =>
      message({
        matcher: 'toHaveErrorRateBelow',
        args: args(limit, options),
        isNot: this.isNot,
        lines: [
          pass ? `${finding}, expected ${opposite('ceiling')} ${formatRatio(limit)}` : finding,
          ...countedLines(report, 'counted as errors'),
        ],
        ...(kinds === '' ? {} : { hints: [`errors by kind: ${kinds}`] }),
      }),
    actual: measured,
    expected: limit,
  }
}
