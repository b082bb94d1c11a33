// The sample floor of every statistical line, in one place: below it a matcher refuses to judge (an
// error, never a pass nor a fail). docs/verdicts.md states the same table. Public
// (`@faultline/vitest/matchers`): a project's own matchers refuse thin samples the same way.
import { FaultlineError, formatCount, isLoadReport, type LoadReport, minSamplesFor } from '@faultline/core'
import { formatWindow } from './message.js'

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

/** One line a matcher judges and the samples it rests on. */
export interface LineSamples {
  /** The line, e.g. `p99`, `an error rate of 0.01`, `a retry budget`. */
  readonly what: string
  /** What is counted, as it reads after a number: `requests with a latency`, `keys`. */
  readonly population: string
  readonly have: number
  readonly floor: Floor
}

/** Where samples come from, for the refusal: what holds them, where and when, and how to get enough. */
export interface FloorContext {
  /** What holds the samples, as in `the <subject> has 3`: `report` (default), `monitor`, `key space`… */
  readonly subject?: string
  /** Where and when they were taken, e.g. `window 0.0-10.0 s, seed 42`, `db 3`. */
  readonly where?: string
  /** How to get enough, e.g. `Run the load longer.` */
  readonly fix?: string
}

/**
 * Refuses to judge when a line has fewer samples than its floor: throws a `FaultlineError` with code
 * `TOO_FEW_SAMPLES` naming every thin line, what it needs and why, and what there is (neither a pass nor a
 * fail, with or without `.not`). Returns when every line has enough. On a `LoadReport`, the message gives
 * its window and seed and says to run the load longer or pass `{ minSamples }`.
 *
 * @example
 * import { requireFloors } from '@faultline/vitest/matchers'
 *
 * requireFloors({ subject: 'key space', where: 'db 3', fix: 'Run the code that writes first.' }, [
 *   { what: 'a TTL check', population: 'keys', have: keys.length, floor: { needed: 1, why: 'no key proves nothing' } },
 * ])
 * // TOO_FEW_SAMPLES: a TTL check needs at least 1 keys to judge (no key proves nothing); the key space has 0 (db 3). Run the code that writes first.
 */
export function requireFloors(on: LoadReport | FloorContext, lines: readonly LineSamples[]): void {
  const under = lines.filter((l) => l.have < l.floor.needed)
  if (under.length === 0) return
  const context: FloorContext = isLoadReport(on) ? { where: formatWindow(on), fix: reportFix(on) } : on
  const each = under.map(
    (l) =>
      `${l.what} needs at least ${formatCount(l.floor.needed)} ${l.population} to judge (${l.floor.why}); the ${context.subject ?? 'report'} has ${formatCount(l.have)}`,
  )
  const where = context.where === undefined ? '' : ` (${context.where})`
  const fix = context.fix === undefined ? '' : ` ${context.fix}`
  throw new FaultlineError('TOO_FEW_SAMPLES', `${each.join('; ')}${where}.${fix}`)
}

// A report whose calls were counted without their latencies (Artillery's JSON without Faultline's
// counters) cannot be judged on latency however long it runs: say so instead of "run longer".
function reportFix(report: LoadReport): string {
  const unmeasured = report.completed - report.latency.count
  if (report.source === 'artillery' && unmeasured > 0)
    return `Its ${formatCount(unmeasured)} ${report.unit} have no latency: Artillery's JSON gives only summaries of them (percentiles per period), which cannot be judged exactly. Run the script writeArtilleryScript writes, whose processor counts every response time.`
  return 'Run the load longer, or pass { minSamples } to judge anyway.'
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
