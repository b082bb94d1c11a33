// Checks shared by the load matchers: the received value is a report, and it holds enough samples to
// judge what is asked. Both throw: a matcher that cannot judge must not pass (nor fail as if it had).
import {
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  isLoadReport,
  type LoadReport,
  minSamplesFor,
  percentileName,
} from '@faultline/core'
import { where } from './message.js'

/** Options of the statistical matchers. */
export interface SampleOptions {
  /** Judge with fewer samples than the default minimum (or demand more). */
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

/** Throws a `TOO_FEW_SAMPLES` error when the report cannot judge `what` with `needed` samples. */
export function requireSamples(
  report: LoadReport,
  needed: number,
  what: string,
  why: string,
  have: number = report.count,
): void {
  if (have >= needed) return
  throw new FaultlineError(
    'TOO_FEW_SAMPLES',
    `${what} needs at least ${formatCount(needed)} ${report.unit} to judge (${why}); the report has ${formatCount(have)} (${where(report)}). Run the load longer, or pass { minSamples } to judge anyway.`,
  )
}

/** The samples a percentile needs: at least one above it (p95: 20, p99: 100), or `minSamples`. */
export function requirePercentileSamples(
  report: LoadReport,
  percentile: number,
  options?: SampleOptions,
): void {
  const needed = options?.minSamples ?? minSamplesFor(percentile)
  // Calls that failed without a response have no latency: count only the latencies.
  requireSamples(
    report,
    needed,
    percentileName(percentile),
    'at least one above the percentile',
    report.latency.count,
  )
}

/** The samples an error rate below `limit` needs: enough that one error is within it (1 % -> 100). */
export function requireErrorRateSamples(report: LoadReport, limit: number, options?: SampleOptions): void {
  const needed = options?.minSamples ?? (limit > 0 ? Math.ceil(1 / limit - 1e-9) : 1)
  requireSamples(report, needed, `an error rate of ${limit}`, 'enough that one error fits within it')
}
