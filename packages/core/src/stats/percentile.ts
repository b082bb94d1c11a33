import { type Callee, checkNumber } from '../validate.js'

/**
 * Checks a percentile given by a caller (0-100) and returns it.
 *
 * @example
 * checkPercentile(99.9, 'percentile') // 99.9
 * checkPercentile(120, 'percentile')  // percentile: expected a number from 0 to 100, got 120
 */
export function checkPercentile(percentile: number, argument = 'percentile', callee?: Callee): number {
  return checkNumber(percentile, argument, { min: 0, max: 100 }, callee ?? checkPercentile)
}

/**
 * The fewest samples that can judge a percentile: at least one sample must lie above it, so p95 needs
 * 20 samples, p99 100 and p99.9 1,000. Fewer, and the "p99" is just the maximum of a small set.
 *
 * @example
 * minSamplesFor(99) // 100
 */
export function minSamplesFor(percentile: number): number {
  if (percentile >= 100) return Number.POSITIVE_INFINITY
  return Math.max(1, Math.ceil(100 / (100 - percentile) - 1e-9))
}

/**
 * The conventional short name of a percentile.
 *
 * @example
 * percentileName(95)   // 'p95'
 * percentileName(99.9) // 'p99.9'
 */
export function percentileName(percentile: number): string {
  return `p${Number(percentile.toFixed(4))}`
}
