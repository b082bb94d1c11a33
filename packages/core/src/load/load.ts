import { randomSeed } from '../random.js'
import { driveClosed } from './closed.js'
import { createMix } from './mix.js'
import { driveOpen } from './open.js'
import { type LoadOptions, resolveLoadOptions } from './options.js'
import type { LoadReport } from './report.js'
import { LoadRun } from './run.js'
import type { LoadTarget } from './task.js'

/**
 * Drives load at any async function, or a weighted mix of tagged functions, and reports what it measured.
 *
 * Closed model (`concurrency`): N calls in flight. Open model (`rate`): calls arrive at a rate per second
 * or a profile (`rampRate`, `stepRates`, `exponentialRate`, `poissonArrivals`), and latency counts from
 * when each call should have started, so a stall shows instead of hiding in the gaps (coordinated
 * omission). Every run is bounded in count and time, cancellable with `signal`, and seeded. Wrong
 * options reject with a `FaultlineArgumentError` naming the option.
 *
 * @example
 * // 50 calls in flight for 5 s
 * const report = await load(() => fetch(url), { concurrency: 50, duration: 5_000 })
 *
 * @example
 * // ramp from 0 to 200 arrivals/s over 10 s, a weighted mix of tasks
 * const report = await load(
 *   [
 *     { tag: 'login', weight: 10, run: login },
 *     { tag: 'read', weight: 90, run: read },
 *   ],
 *   { rate: rampRate(0, 200, 10_000), seed: 42 },
 * )
 * report.tag('login').p95
 */
export function load(target: LoadTarget, options: LoadOptions): Promise<LoadReport> {
  // Bad input rejects, like every other entry point, so `await expect(load(...)).rejects` sees it.
  try {
    const mix = createMix(target, load)
    const resolved = resolveLoadOptions(options, load)
    const run = new LoadRun(resolved, mix, resolved.seed ?? randomSeed())
    return run.execute(resolved.model === 'open' ? driveOpen : driveClosed)
  } catch (error) {
    return Promise.reject(error)
  }
}
