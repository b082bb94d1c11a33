// The one validator of Faultline's options: every package checks numbers, choices and seeds through it,
// so a wrong value always reads `<argument>: expected <what>, got <value>`.
import { describeValue } from './describe-value.js'
import { FaultlineArgumentError } from './errors.js'

/** The function the caller called, so the error's stack starts at the caller's line. */
export type Callee = (...args: never[]) => unknown

/** What a number must be. Every number must be finite. */
export interface NumberRule {
  /** The unit, for the message: `'ms'` reads "a number of ms". */
  readonly unit?: string
  /** Must be a (safe) integer. */
  readonly integer?: boolean
  /** Smallest allowed value (inclusive). */
  readonly min?: number
  /** Must be greater than this (exclusive). */
  readonly above?: number
  /** Largest allowed value (inclusive). */
  readonly max?: number
  /** Must be less than this (exclusive). */
  readonly below?: number
}

/** How a rule reads in a message, e.g. `an integer >= 1`, `a number of ms > 0`, `a number from 0 to 1`. */
export function describeRule(rule: NumberRule): string {
  const noun = rule.integer ? 'an integer' : rule.unit === undefined ? 'a number' : `a number of ${rule.unit}`
  const bounds: string[] = []
  if (rule.min !== undefined && rule.max !== undefined) return `${noun} from ${rule.min} to ${rule.max}`
  if (rule.min !== undefined) bounds.push(`>= ${rule.min}`)
  if (rule.above !== undefined) bounds.push(`> ${rule.above}`)
  if (rule.max !== undefined) bounds.push(`<= ${rule.max}`)
  if (rule.below !== undefined) bounds.push(`< ${rule.below}`)
  const unit = rule.integer && rule.unit !== undefined ? ` (${rule.unit})` : ''
  return [noun, ...bounds].join(' ') + unit
}

function fits(value: number, rule: NumberRule): boolean {
  if (!Number.isFinite(value)) return false
  if (rule.integer && !Number.isSafeInteger(value)) return false
  if (rule.min !== undefined && value < rule.min) return false
  if (rule.above !== undefined && value <= rule.above) return false
  if (rule.max !== undefined && value > rule.max) return false
  if (rule.below !== undefined && value >= rule.below) return false
  return true
}

/**
 * Returns `value` if it is a finite number that follows `rule`; otherwise throws a
 * `FaultlineArgumentError` naming `argument`, what was expected and what was given.
 *
 * @example
 * const timeout = checkNumber(options.timeout, 'options.timeout', { unit: 'ms', min: 0 }, myFunction)
 * // options.timeout: expected a number of ms >= 0, got -1
 */
export function checkNumber(
  value: unknown,
  argument: string,
  rule: NumberRule = {},
  callee?: Callee,
): number {
  if (typeof value === 'number' && fits(value, rule)) return value
  throw new FaultlineArgumentError(
    argument,
    `expected ${describeRule(rule)}, got ${describeValue(value)}`,
    callee ?? checkNumber,
  )
}

/**
 * Like {@link checkNumber}, but `undefined` is allowed: it returns `fallback` (undefined when none).
 *
 * @example
 * const interval = optionalNumber(options.interval, 'options.interval', { unit: 'ms', above: 0 }, 1_000)
 */
export function optionalNumber(
  value: unknown,
  argument: string,
  rule: NumberRule,
  fallback: number,
  callee?: Callee,
): number
export function optionalNumber(
  value: unknown,
  argument: string,
  rule: NumberRule,
  fallback?: undefined,
  callee?: Callee,
): number | undefined
export function optionalNumber(
  value: unknown,
  argument: string,
  rule: NumberRule,
  fallback?: number,
  callee?: Callee,
): number | undefined {
  if (value === undefined) return fallback
  return checkNumber(value, argument, rule, callee ?? optionalNumber)
}

/**
 * A share from 0 to 1 (a probability, a rate of calls hit, an error rate).
 *
 * @example
 * const rate = checkRatio(options.rate ?? 1, 'options.rate')
 */
export function checkRatio(value: unknown, argument: string, callee?: Callee): number {
  return checkNumber(value, argument, { min: 0, max: 1 }, callee ?? checkRatio)
}

/**
 * A 32-bit unsigned seed (what `randomSeed()` returns and reports print), or undefined.
 *
 * @example
 * const seed = checkSeed(options.seed, 'options.seed') ?? randomSeed()
 */
export function checkSeed(value: unknown, argument: string, callee?: Callee): number | undefined {
  if (value === undefined) return undefined
  return checkNumber(value, argument, { integer: true, min: 0, max: 0xffffffff }, callee ?? checkSeed)
}

/**
 * One of `choices`, or `fallback` when undefined.
 *
 * @example
 * const direction = checkOneOf(options.direction, ['upstream', 'downstream', 'both'], 'options.direction', 'both')
 */
export function checkOneOf<T extends string>(
  value: unknown,
  choices: readonly T[],
  argument: string,
  fallback?: T,
  callee?: Callee,
): T {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value === 'string' && choices.includes(value as T)) return value as T
  const list = choices.map((c) => `'${c}'`).join(', ')
  throw new FaultlineArgumentError(
    argument,
    `expected one of ${list}, got ${describeValue(value)}`,
    callee ?? checkOneOf,
  )
}

/**
 * A function, or undefined when `optional`.
 *
 * @example
 * checkFunction(options.when, 'options.when', { optional: true })
 */
export function checkFunction(
  value: unknown,
  argument: string,
  options: { readonly optional?: boolean } = {},
  callee?: Callee,
): void {
  if (value === undefined && options.optional) return
  if (typeof value === 'function') return
  throw new FaultlineArgumentError(
    argument,
    `expected a function, got ${describeValue(value)}`,
    callee ?? checkFunction,
  )
}
