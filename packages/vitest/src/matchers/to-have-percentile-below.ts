import { checkPercentile, formatMs, type LoadReport, percentileName } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkMs } from './limits.js'
import { args, message, relation, samples } from './message.js'
import { requirePercentileSamples, type SampleOptions, toReport } from './report-input.js'

/** The interval of the series where a percentile was worst, as a hint (p50, p95 and p99 are in the series). */
function worstInterval(report: LoadReport, percentile: number): string | undefined {
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
  requirePercentileSamples(report, percentile, options)
  const measured = report.percentile(percentile)
  const pass = measured < limitMs
  const name = percentileName(percentile)
  const finding = `${name} ${formatMs(measured)} ${relation(measured, limitMs)} ${formatMs(limitMs)} over ${samples(report, report.latency.count)}`
  const worst = worstInterval(report, percentile)
  return {
    pass,
    message: () =>
      message({
        matcher,
        args: matcherArgs,
        isNot,
        lines: pass ? [`${finding}, expected ${name} >= ${formatMs(limitMs)}`] : [finding],
        ...(pass || worst === undefined ? {} : { hints: [worst] }),
      }),
    actual: measured,
    expected: limitMs,
  }
}

/**
 * Passes when the latency at `percentile` (0-100) is below `limitMs`. Refuses (throws) to judge a report
 * with too few samples for that percentile: p95 needs 20, p99 100, p99.9 1,000 (`minSamples` overrides).
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
