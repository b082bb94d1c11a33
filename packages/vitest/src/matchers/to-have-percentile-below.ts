import { checkPercentile, formatCount, formatMs, type LoadReport, percentileName } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { requireFloors } from './floors.js'
import { checkMs } from './limits.js'
import {
  formatArgs,
  formatLatency,
  formatSamples,
  meets,
  opposite,
  type VerdictResult,
  verdict,
  versus,
} from './message.js'
import { arrivalPercentile, countedLines } from './outcomes.js'
import { asReport, checkSampleOptions, percentileSamples, type SampleOptions } from './report-input.js'

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
  state: MatcherState,
  matcher: string,
  matcherArgs: string,
  received: unknown,
  percentile: number,
  limitMs: number,
  options?: SampleOptions,
): VerdictResult {
  const report = asReport(received, matcher)
  checkPercentile(percentile, 'percentile')
  checkMs(limitMs, 'limitMs')
  const name = percentileName(percentile)
  const line = percentileSamples(report, name, percentile, checkSampleOptions(options))
  requireFloors(report, [line])
  const measured = arrivalPercentile(report, percentile)
  const pass = meets(measured, limitMs, 'ceiling')
  const worst = worstInterval(report, percentile)
  return verdict(state, {
    matcher,
    args: matcherArgs,
    pass,
    finding: `${name} ${versus(measured, limitMs, 'ceiling', formatLatency)} over ${formatSamples(report, line.have, line.floor.needed)}`,
    notExpected: `${name} ${opposite('ceiling')} ${formatMs(limitMs)}`,
    lines: countedLines(report, 'counted above the budget'),
    hints: worst === undefined ? [] : [worst],
    chart: { report, limits: { latency: [{ name, ms: limitMs }] } },
    actual: measured,
    expected: limitMs,
  })
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
): VerdictResult {
  return judgePercentile(
    this,
    'toHavePercentileBelow',
    formatArgs(percentile, limitMs, options),
    received,
    percentile,
    limitMs,
    options,
  )
}
