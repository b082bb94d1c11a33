// Checks of the limits users pass to the matchers, in one place: a typo, an `undefined` or a limit that
// could never fail is an error naming the argument, never a verdict.
import { FaultlineArgumentError } from '@faultline/core'

const shown = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : String(value))

/**
 * A latency limit: a finite number of ms >= 0.
 *
 * @example
 * checkMs(500, 'limitMs') // 500
 * checkMs(Number.NaN, 'limitMs') // throws "limitMs: must be a latency in ms >= 0, got NaN"
 */
export function checkMs(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultlineArgumentError(argument, `must be a latency in ms >= 0, got ${shown(value)}`)
  }
  return value
}

/**
 * An error-rate limit: a ratio in [0, 1). A limit of 1 (100 %) would pass any run, so it is refused.
 *
 * @example
 * checkRatio(0.01, 'limit') // 0.01, that is 1 %
 */
export function checkRatio(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new FaultlineArgumentError(
      argument,
      `must be a ratio >= 0 and < 1 (0.01 is 1 %; 1 would pass any run), got ${shown(value)}`,
    )
  }
  return value
}

/**
 * A throughput limit: calls per second > 0 (a limit of 0 would pass any run).
 *
 * @example
 * checkRate(100, 'perSecond') // 100
 */
export function checkRate(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FaultlineArgumentError(
      argument,
      `must be a number of calls per second > 0 (0 would pass any run), got ${shown(value)}`,
    )
  }
  return value
}

/**
 * A limit on a monitored value (connections, bytes, messages): any finite number.
 *
 * @example
 * checkFinite(10, 'limit') // 10
 */
export function checkFinite(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FaultlineArgumentError(
      argument,
      `must be a finite number in the monitor's unit, got ${shown(value)}`,
    )
  }
  return value
}

/**
 * A growth or other amount that may be 0 but not negative: a finite number >= 0.
 *
 * @example
 * checkNonNegative(1024, 'limits.maxGrowth') // 1024
 */
export function checkNonNegative(value: unknown, argument: string, what = 'a number'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultlineArgumentError(argument, `must be ${what} >= 0, got ${shown(value)}`)
  }
  return value
}

/**
 * A count of samples given by the user (`minSamples`): a whole number >= `least`, or undefined.
 *
 * @example
 * checkSampleCount(50, 'options.minSamples') // 50
 * checkSampleCount(undefined, 'options.minSamples') // undefined: use the matcher's floor
 */
export function checkSampleCount(value: unknown, argument: string, least = 1): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
    throw new FaultlineArgumentError(
      argument,
      `must be a whole number of samples >= ${least}, got ${shown(value)}`,
    )
  }
  return value
}

/**
 * A count of tolerated failures (`maxFailures`): a whole number >= 0, 0 when undefined.
 *
 * @example
 * checkFailureCount(3, 'options.maxFailures') // 3
 */
export function checkFailureCount(value: unknown, argument: string): number {
  if (value === undefined) return 0
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new FaultlineArgumentError(argument, `must be a whole number >= 0, got ${shown(value)}`)
  }
  return value
}

/**
 * An options object: absent, or an object (not a number passed by mistake in its place).
 *
 * @example
 * checkOptions({ minSamples: 50 }, 'options') // { minSamples: 50 }
 */
export function checkOptions<T extends object>(value: T | undefined, argument: string): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) {
    throw new FaultlineArgumentError(
      argument,
      `must be an object such as { minSamples: 50 }, got ${shown(value)}`,
    )
  }
  return value
}
