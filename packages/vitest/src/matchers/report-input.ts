// Checks shared by the load matchers: the received value is a report, and it holds enough samples to
// judge each line asked. Both throw: a matcher that cannot judge must not pass (nor fail as if it had).
import {
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  isLoadReport,
  type LoadReport,
} from '@faultline/core'
import { errorRateFloor, type Floor, percentileFloor } from './floors.js'
import { checkOptions, checkSampleCount } from './limits.js'
import { where } from './message.js'

/** Options of the statistical matchers. */
export interface SampleOptions {
  /** Judge with fewer samples than the matcher's floor (or demand more): a whole number >= 1. */
  readonly minSamples?: number
}

/** Throws unless `received` is a `LoadReport` (from `load`, `httpLoad` or `LoadRecorder`). */
export function toReport(received: unknown, matcher: string): LoadReport {
  if (!isLoadReport(received)) {
    const got = received === null ? 'null' : typeof received === 'object' ? 'an object' : typeof received
    throw new FaultlineArgumentError(
      'received',
      `${matcher} expects a LoadReport (from load(), httpLoad() or report.tag()), got ${got}`,
    )
  }
  return received
}

/** Checks a matcher's `options` (an object or nothing) and its `minSamples`; returns the override. */
export function checkSampleOptions(
  options: SampleOptions | undefined,
  argument = 'options',
): number | undefined {
  checkOptions(options, argument)
  return checkSampleCount(options?.minSamples, `${argument}.minSamples`)
}

/** One statistical line and the samples it rests on. */
export interface LineSamples {
  /** The line, e.g. `p99`, `an error rate of 0.01`. */
  readonly what: string
  /** What is counted, e.g. `requests with a latency or dropped`. */
  readonly population: string
  readonly have: number
  readonly floor: Floor
}

/** Throws a `TOO_FEW_SAMPLES` error naming every line under its floor; returns when none is. */
export function requireFloors(report: LoadReport, lines: readonly LineSamples[]): void {
  const under = lines.filter((l) => l.have < l.floor.needed)
  if (under.length === 0) return
  const each = under.map(
    (l) =>
      `${l.what} needs at least ${formatCount(l.floor.needed)} ${l.population} to judge (${l.floor.why}); the report has ${formatCount(l.have)}`,
  )
  throw new FaultlineError(
    'TOO_FEW_SAMPLES',
    `${each.join('; ')} (${where(report)}). Run the load longer, or pass { minSamples } to judge anyway.`,
  )
}

/** The samples of a latency line: latencies, and drops (above every budget). */
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

/** The samples of a percentile line. */
export function percentileSamples(
  report: LoadReport,
  name: string,
  percentile: number,
  minSamples?: number,
): LineSamples {
  return latencySamples(report, name, percentileFloor(percentile), minSamples)
}

/** The samples of an error-rate line: every arrival. */
export function errorRateSamples(report: LoadReport, limit: number, minSamples?: number): LineSamples {
  return {
    what: `an error rate of ${limit}`,
    population: report.unit,
    have: report.count,
    floor: minSamples === undefined ? errorRateFloor(limit) : { needed: minSamples, why: 'minSamples' },
  }
}
