import type { MatcherState } from 'vitest'
import { formatArgs, type VerdictResult } from './message.js'
import type { SampleOptions } from './report-input.js'
import { judgePercentile } from './to-have-percentile-below.js'

/**
 * Passes when p95 latency (drops counted above it) is at or below `limitMs`: `toHavePercentileBelow(95, limitMs)`.
 *
 * @example
 * expect(report).toHaveP95Below(500)
 */
export function toHaveP95Below(
  this: MatcherState,
  received: unknown,
  limitMs: number,
  options?: SampleOptions,
): VerdictResult {
  return judgePercentile(this, 'toHaveP95Below', formatArgs(limitMs, options), received, 95, limitMs, options)
}
