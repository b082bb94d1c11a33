// The sample floor of every statistical line, in one place: below it a matcher refuses to judge (an
// error, never a pass nor a fail). docs/verdicts.md states the same table.
import { minSamplesFor } from '@faultline/core'

/** No statistical line is judged on fewer samples than this. */
export const LEAST_SAMPLES = 10
/** `mean` needs as many latencies as the least line: one slow call among 10 moves it by a tenth. */
export const MEAN_FLOOR = LEAST_SAMPLES
/** `max` says no call was slower: it needs at least what p99 needs. */
export const MAX_FLOOR = 100
/** An error rate of 0 needs this many calls: zero errors in a handful of calls says little. */
export const ZERO_ERROR_RATE_FLOOR = 100
/** Throughput is judged over an active window of at least 1 s… */
export const THROUGHPUT_WINDOW_FLOOR_MS = 1_000
/** …long enough for the limit to mean at least 10 calls. */
export const THROUGHPUT_CALLS_FLOOR = 10

/** A floor and why it is what it is, for messages. */
export interface Floor {
  readonly needed: number
  readonly why: string
}

/**
 * The latencies (drops included) a percentile needs: one sample above it, and at least 10.
 *
 * @example
 * percentileFloor(95) // { needed: 20, ... }
 */
export function percentileFloor(percentile: number): Floor {
  if (percentile >= 100) return { needed: MAX_FLOOR, why: 'p100 is the max: as many as p99 needs' }
  const above = minSamplesFor(percentile)
  return above >= LEAST_SAMPLES
    ? { needed: above, why: 'one must lie above the percentile' }
    : { needed: LEAST_SAMPLES, why: `no line is judged on fewer than ${LEAST_SAMPLES}` }
}

/**
 * The calls an error rate at most `limit` needs: enough that one error fits within it (1 % -> 100), at
 * least 10; a limit of 0 needs 100.
 *
 * @example
 * errorRateFloor(0.01) // { needed: 100, ... }
 */
export function errorRateFloor(limit: number): Floor {
  if (limit === 0) return { needed: ZERO_ERROR_RATE_FLOOR, why: 'zero errors in fewer calls says little' }
  const fits = Math.ceil(1 / limit - 1e-9)
  return fits >= LEAST_SAMPLES
    ? { needed: fits, why: 'enough that one error fits within the limit' }
    : { needed: LEAST_SAMPLES, why: `no line is judged on fewer than ${LEAST_SAMPLES}` }
}

/** The latencies (drops included) a `mean` line needs. */
export function meanFloor(): Floor {
  return { needed: MEAN_FLOOR, why: 'one slow call among them moves the mean by a tenth at most' }
}

/** The latencies (drops included) a `max` line needs. */
export function maxFloor(): Floor {
  return { needed: MAX_FLOOR, why: 'the max is the tail: as many as p99 needs' }
}

/**
 * The active window (ms) a throughput of at least `perSecond` needs: 1 s, and long enough for the limit to
 * mean 10 calls.
 *
 * @example
 * throughputWindowFloorMs(2) // 5_000
 */
export function throughputWindowFloorMs(perSecond: number): number {
  return Math.max(THROUGHPUT_WINDOW_FLOOR_MS, Math.ceil((THROUGHPUT_CALLS_FLOOR / perSecond) * 1000))
}
