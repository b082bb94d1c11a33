import type { MatcherState } from 'vitest'
import { formatArgs, type VerdictResult } from './message.js'
import type { SampleOptions } from './report-input.js'
import { judgePercentile } from './to-have-percentile-below.js'

/**
 * Passes when p50 latency (drops counted above it) is at or below `limitMs`: `toHavePercentileBelow(50, limitMs)`.
 *
 * @example
 * expect(report).toHaveP50Below(500)
 */
export function toHaveP50Below(
  this: MatcherState,
  received: unknown,
  limitMs: number,
  options?: SampleOptions,
): VerdictResult {
  return judgePercentile(this, 'toHaveP50Below', formatArgs(limitMs, options), received, 50, limitMs, options)
}
