// Checks of the limits users pass to the load matchers, so a typo is an error naming the argument.
import { FaultlineArgumentError } from '@faultline/core'

/** A latency limit: a number of ms >= 0. */
export function checkMs(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultlineArgumentError(argument, `must be a latency in ms >= 0, got ${String(value)}`)
  }
  return value
}

/** A ratio limit such as an error rate: a number in [0, 1]. */
export function checkRatio(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new FaultlineArgumentError(
      argument,
      `must be a ratio between 0 and 1 (0.01 is 1 %), got ${String(value)}`,
    )
  }
  return value
}

/** A throughput limit: calls per second >= 0. */
export function checkRate(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultlineArgumentError(
      argument,
      `must be a number of calls per second >= 0, got ${String(value)}`,
    )
  }
  return value
}
