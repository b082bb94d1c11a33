// One knob for the size of every load: examples and suites written for a 2-core laptop state their loads
// at that size and wrap each count or rate in `scaled()`, so a bigger CI machine runs the same tests at
// the audits' sizes by setting one environment variable, without editing a test.

import { describeValue } from './describe-value.js'
import { FaultlineArgumentError } from './errors.js'

/** The environment variable that multiplies every `scaled()` load: `FAULTLINE_LOAD_SCALE=20`. */
export const LOAD_SCALE_VARIABLE = 'FAULTLINE_LOAD_SCALE'

/**
 * The factor `FAULTLINE_LOAD_SCALE` sets: a number > 0, 1 when the variable is unset or empty. A value
 * that is not a positive number throws, naming the variable: a typo must not silently run the small load.
 *
 * @example
 * // FAULTLINE_LOAD_SCALE=20 npx vitest run
 * loadScale() // 20
 */
export function loadScale(env: Record<string, string | undefined> = process.env): number {
  const text = env[LOAD_SCALE_VARIABLE]?.trim()
  if (text === undefined || text === '') return 1
  const factor = Number(text)
  if (!Number.isFinite(factor) || factor <= 0)
    throw new FaultlineArgumentError(
      LOAD_SCALE_VARIABLE,
      `expected a number > 0 (the factor every scaled load is multiplied by, e.g. 20), got ${describeValue(text)}`,
      loadScale,
    )
  return factor
}

/**
 * `count` multiplied by `FAULTLINE_LOAD_SCALE` (see `loadScale`), rounded, and never below 1: wrap the
 * counts and rates of a load in it (arrivals per second, users, messages), not its durations or limits.
 *
 * @example
 * const report = await load(task, { rate: scaled(100), duration: 3_000, seed: 7 })
 * // 100 calls/s by default; 2,000 calls/s with FAULTLINE_LOAD_SCALE=20
 */
export function scaled(count: number, env: Record<string, string | undefined> = process.env): number {
  if (!Number.isFinite(count) || count < 0)
    throw new FaultlineArgumentError('count', `expected a number >= 0, got ${describeValue(count)}`, scaled)
  return Math.max(1, Math.round(count * loadScale(env)))
}
