import type { MatcherState } from 'vitest'
import { formatArgs, type VerdictResult } from './message.js'
import type { SampleOptions } from './report-input.js'
import { judgePercentile } from './to-have-percentile-below.js'

/**
 * Passes when p99 latency (drops counted above it) is at or below `limitMs`: `toHavePercentileBelow(99, limitMs)`.
 *
 * @example
 * expect(report).toHaveP99Below(500)
 */
export function toHaveP99Below(
  this: MatcherState,
  received: unknown,
  limitMs: number,
  options?: SampleOptions,
): VerdictResult {
  return judgePercentile(this, 'toHaveP99Below', formatArgs(limitMs, options), received, 99, limitMs, options)
}
