/**
 * Faultline's one clock: wall-clock time in epoch milliseconds, with sub-millisecond precision.
 *
 * Every time Faultline records (timeline windows, request logs, load samples, breaker transitions) comes
 * from here, so times taken by different packages can be compared and subtracted. It follows the monotonic
 * `performance.now()` from the process's time origin, so a step of the system clock during a run does not
 * reorder what was recorded.
 *
 * @example
 * import { now } from '@faultline/core'
 * const startedAt = now() // e.g. 1764150000123.456
 */
export function now(): number {
  return performance.timeOrigin + performance.now()
}
