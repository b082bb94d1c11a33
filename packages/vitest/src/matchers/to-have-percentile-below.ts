import { checkPercentile, formatCount, formatMs, type LoadReport, percentileName } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkMs } from './limits.js'
import { args, latency, meets, message, opposite, samples, versus } from './message.js'
import { arrivalPercentile, countedLines } from './outcomes.js'
import {
  checkSampleOptions,
  percentileSamples,
  requireFloors,
  type SampleOptions,
  toReport,
} from './report-input.js'

/**
 * The interval of the series where the percentile was worst, as a hint (p50, p95 and p99 are in the
 * series), or where most arrivals were dropped when some were.
 */
function worstInterval(report: LoadReport, percentile: number): string | undefined {
  if (report.series.length < 2) return undefined
  if (report.dropped > 0) {
    const most = report.series.reduce((a, b) => (b.dropped > a.dropped ? b : a))
    return `most drops in ${(most.startMs / 1000).toFixed(1)}-${(most.endMs / 1000).toFixed(1)} s: ${formatCount(most.dropped)} arrivals dropped (too many calls in flight)`
  }
  const key = percentile === 50 ? 'p50' : percentile === 95 ? 'p95' : percentile === 99 ? 'p99' : 'max'
  let worst: (typeof report.series)[number] | undefined
  for (const point of report.series) {
    const value = point[key]
    if (value !== null && (worst === undefined || value > (worst[key] ?? 0))) worst = point
  }
  if (!worst || report.series.length < 2) return undefined
  const name = key === 'max' ? 'max' : percentileName(percentile)
  return `worst interval ${(worst.startMs / 1000).toFixed(1)}-${(worst.endMs / 1000).toFixed(1)} s: ${name} ${formatMs(worst[key] ?? Number.NaN)} over ${worst.count} ${report.unit}`
}

/** Shared by `toHavePercentileBelow` and its p50 / p95 / p99 sugar. */
export function judgePercentile(
  matcher: string,
  matcherArgs: string,
  isNot: boolean,
  received: unknown,
  percentile: number,
  limitMs: number,
  options?: SampleOptions,
): SyncMatcherResult {
  const report = toReport(received, matcher)
  checkPercentile(percentile, 'percentile')
  checkMs(limitMs, 'limitMs')
  const name = percentileName(percentile)
  const line = percentileSamples(report, name, percentile, checkSampleOptions(options))
  requireFloors(report, [line])
  const measured = arrivalPercentile(report, percentile)
  const pass = meets(measured, limitMs, 'ceiling')
  const finding = `${name} ${versus(measured, limitMs, 'ceiling', latency)} over ${samples(report, line.have, line.floor.needed)}`
  const counted = countedLines(report, 'counted above the budget')
  const worst = worstInterval(report, percentile)
  return {
    pass,
    message: () =>
      message({
        matcher,
        args: matcherArgs,
        isNot,
        lines: [
          pass ? `${finding}, expected ${name} ${opposite('ceiling')} ${formatMs(limitMs)}` : finding,
          ...counted,
        ],
        ...(pass || worst === undefined ? {} : { hints: [worst] }),
      }),
    actual: measured,
    expected: limitMs,
  }
}

/**
 * Passes when the latency at `percentile` (0-100) over every arrival is at or below `limitMs`; dropped
 * arrivals count above it. Refuses (throws) to judge too few samples: 10, and one above the percentile
 * (p95 20, p99 100, p99.9 1,000; `minSamples` overrides).
 *
 * @example
 * expect(report).toHavePercentileBelow(95, 500)
 * expect(report.tag('login')).toHavePercentileBelow(99.9, 2_000)
 */
export function toHavePercentileBelow(
  this: MatcherState,
  received: unknown,
  percentile: number,
  limitMs: number,
  options?: SampleOptions,
): SyncMatcherResult {
  return judgePercentile(
    'toHavePercentileBelow',
    args(percentile, limitMs, options),
    this.isNot,
    received,
    percentile,
    limitMs,
    options,
  )
}
