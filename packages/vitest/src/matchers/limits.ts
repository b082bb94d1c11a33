// Checks of the limits users pass to the matchers, in one place and through core's one validator: a typo,
// an `undefined` or a limit that could never fail is an error naming the argument, never a verdict. The
// message reads as every Faultline argument error does (`limitMs: expected a number of ms >= 0, got NaN`),
// with the reason added where a limit is refused for a reason the rule alone does not say.
import {
  checkNumber,
  describeRule,
  describeValue,
  FaultlineArgumentError,
  type NumberRule,
} from '@faultline/core'

/**
 * `checkNumber`, with the limit described in the matcher's words where they say more than the rule
 * (`a ratio >= 0 and < 1 (0.01 is 1 %; 1 would pass any run)`).
 */
function checkLimit(value: unknown, argument: string, rule: NumberRule, expected: string): number {
  try {
    return checkNumber(value, argument, rule)
  } catch {
    throw new FaultlineArgumentError(argument, `expected ${expected}, got ${describeValue(value)}`)
  }
}

/**
 * A latency limit: a finite number of ms >= 0.
 *
 * @example
 * checkMs(500, 'limitMs') // 500
 * checkMs(Number.NaN, 'limitMs') // throws "limitMs: expected a number of ms >= 0, got NaN"
 */
export function checkMs(value: unknown, argument: string): number {
  return checkNumber(value, argument, { unit: 'ms', min: 0 })
}

/**
 * An error-rate limit: a ratio in [0, 1). A limit of 1 (100 %) would pass any run, so it is refused.
 *
 * @example
 * checkErrorRate(0.01, 'limit') // 0.01, that is 1 %
 */
export function checkErrorRate(value: unknown, argument: string): number {
  return checkLimit(
    value,
    argument,
    { min: 0, below: 1 },
    'a ratio >= 0 and < 1 (0.01 is 1 %; 1 would pass any run)',
  )
}

/**
 * A throughput limit: calls per second > 0 (a limit of 0 would pass any run).
 *
 * @example
 * checkRate(100, 'perSecond') // 100
 */
export function checkRate(value: unknown, argument: string): number {
  return checkLimit(
    value,
    argument,
    { above: 0 },
    `${describeRule({ unit: 'calls per second', above: 0 })} (0 would pass any run)`,
  )
}

/**
 * A count of samples (`minSamples`): a whole number >= `least`, or undefined.
 *
 * @example
 * checkSampleCount(undefined, 'options.minSamples') // undefined: use the matcher's floor
 */
export function checkSampleCount(value: unknown, argument: string, least = 1): number | undefined {
  if (value === undefined) return undefined
  return checkNumber(value, argument, { integer: true, min: least, unit: 'samples' })
}

/**
 * A count of tolerated failures (`maxFailures`): a whole number >= 0, 0 when undefined.
 *
 * @example
 * checkFailureCount(3, 'options.maxFailures') // 3
 */
export function checkFailureCount(value: unknown, argument: string): number {
  if (value === undefined) return 0
  return checkNumber(value, argument, { integer: true, min: 0, unit: 'samples' })
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
      `expected an object such as { minSamples: 50 }, got ${describeValue(value)}`,
    )
  }
  return value
}
