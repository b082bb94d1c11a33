import { FaultlineArgumentError } from '@faultline/core'
import { describe } from './address.js'
import type { Direction } from './timeline.js'

type Callee = (...args: never[]) => unknown

/** A finite number >= 0, or the default when the value is undefined. */
export function nonNegative(
  value: unknown,
  fallback: number | undefined,
  argument: string,
  callee: Callee,
): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultlineArgumentError(
      argument,
      `expected a finite number >= 0, got ${describe(value)}`,
      callee,
    )
  }
  return value
}

/** A finite number > 0. */
export function positive(value: unknown, argument: string, callee: Callee): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FaultlineArgumentError(argument, `expected a finite number > 0, got ${describe(value)}`, callee)
  }
  return value
}

/** An integer >= `min`, or the default when undefined. */
export function integer(
  value: unknown,
  fallback: number,
  min: number,
  argument: string,
  callee: Callee,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new FaultlineArgumentError(
      argument,
      `expected an integer >= ${min}, got ${describe(value)}`,
      callee,
    )
  }
  return value
}

/** A probability in [0, 1], 1 by default. */
export function probability(value: unknown, argument: string, callee: Callee): number {
  if (value === undefined) return 1
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new FaultlineArgumentError(
      argument,
      `expected a probability from 0 to 1, got ${describe(value)}`,
      callee,
    )
  }
  return value
}

/** A 32-bit unsigned seed, or undefined. */
export function seed(value: unknown, argument: string, callee: Callee): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) {
    throw new FaultlineArgumentError(
      argument,
      `expected an integer seed from 0 to 2^32-1, got ${describe(value)}`,
      callee,
    )
  }
  return value
}

const directions: readonly Direction[] = ['upstream', 'downstream', 'both']

/** One of `upstream`, `downstream`, `both`, or the default. */
export function direction(value: unknown, fallback: Direction, argument: string, callee: Callee): Direction {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !directions.includes(value as Direction)) {
    throw new FaultlineArgumentError(
      argument,
      `expected 'upstream' (client -> service), 'downstream' (service -> client) or 'both', got ${describe(value)}`,
      callee,
    )
  }
  return value as Direction
}

/** One of `choices`, or the default. */
export function oneOf<T extends string>(
  value: unknown,
  choices: readonly T[],
  fallback: T,
  argument: string,
  callee: Callee,
): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    const list = choices.map((c) => `'${c}'`).join(', ')
    throw new FaultlineArgumentError(argument, `expected one of ${list}, got ${describe(value)}`, callee)
  }
  return value as T
}
