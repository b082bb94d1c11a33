// Input checks shared by the load matchers: the received value is a report, and the samples each line it
// judges rests on (their floors are in floors.ts). Public (`@faultline/vitest/matchers`).
import { describeValue, FaultlineArgumentError, isLoadReport, type LoadReport } from '@faultline/core'
import { errorRateFloor, type Floor, type LineSamples, percentileFloor } from './floors.js'
import { checkOptions, checkSampleCount } from './limits.js'

/** Options of the statistical matchers. */
export interface SampleOptions {
  /** Judge with fewer samples than the matcher's floor (or demand more): a whole number >= 1. */
  readonly minSamples?: number
}

/**
 * `received` as a `LoadReport` (from `load`, `httpLoad`, `LoadRecorder`, `requestReport`, or a report's
 * `tag` / `window` / `during`), or a `FaultlineArgumentError` naming what the matcher got instead.
 *
 * @example
 * import { asReport } from '@faultline/vitest/matchers'
 * const report = asReport(received, 'toHaveFewTimeouts')
 */
export function asReport(received: unknown, matcher: string): LoadReport {
  if (isLoadReport(received)) return received
  throw new FaultlineArgumentError(
    'received',
    `${matcher} expects a LoadReport (from load(), httpLoad() or report.tag()), got ${describeValue(received)}`,
  )
}

/**
 * Checks a matcher's `options` (an object or nothing) and its `minSamples`; returns the override.
 *
 * @example
 * const min = checkSampleOptions(options) // undefined: judge at the line's own floor
 */
export function checkSampleOptions(
  options: SampleOptions | undefined,
  argument = 'options',
): number | undefined {
  checkOptions(options, argument)
  return checkSampleCount(options?.minSamples, `${argument}.minSamples`)
}

/**
 * The samples of a latency line of a report: latencies, and drops (above every budget). `minSamples`
 * replaces the floor.
 *
 * @example
 * requireFloors(report, [latencySamples(report, 'mean', meanFloor())])
 */
export function latencySamples(
  report: LoadReport,
  what: string,
  floor: Floor,
  minSamples?: number,
): LineSamples {
  return {
    what,
    population:
      report.dropped > 0 ? `${report.unit} with a latency or dropped` : `${report.unit} with a latency`,
    have: report.latency.count + report.dropped,
    floor: minSamples === undefined ? floor : { needed: minSamples, why: 'minSamples' },
  }
}

/**
 * The samples of a percentile line.
 *
 * @example
 * requireFloors(report, [percentileSamples(report, 'p95', 95)]) // needs 20
 */
export function percentileSamples(
  report: LoadReport,
  name: string,
  percentile: number,
  minSamples?: number,
): LineSamples {
  return latencySamples(report, name, percentileFloor(percentile), minSamples)
}

/**
 * The samples of an error-rate line: every arrival.
 *
 * @example
 * requireFloors(report, [errorRateSamples(report, 0.01)]) // needs 100
 */
export function errorRateSamples(report: LoadReport, limit: number, minSamples?: number): LineSamples {
  return {
    what: `an error rate of ${limit}`,
    population: report.unit,
    have: report.count,
    floor: minSamples === undefined ? errorRateFloor(limit) : { needed: minSamples, why: 'minSamples' },
  }
}
