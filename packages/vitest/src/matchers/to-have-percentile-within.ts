import { checkPercentile, FaultlineArgumentError, formatMs, percentileName } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { message, relation, samples } from './message.js'
import { requirePercentileSamples, type SampleOptions, toReport } from './report-input.js'

/** The baseline a percentile is compared with, and by how much it may grow. */
export interface WithinOptions extends SampleOptions {
  /** The report of the same traffic without the disturbance (e.g. tenant B alone). */
  of: unknown
  /** How many times the baseline's percentile the measured one may reach, e.g. 1.5. */
  factor: number
}

/**
 * Passes when the latency at `percentile` is below `factor` x the same percentile of a baseline report:
 * "tenant B's p95 during tenant A's bulk import stays within 1.5 x its p95 alone". Both reports need
 * enough samples for the percentile.
 *
 * @example
 * expect(flood.tag('tenant-b')).toHavePercentileWithin(95, { factor: 1.5, of: baseline.tag('tenant-b') })
 */
export function toHavePercentileWithin(
  this: MatcherState,
  received: unknown,
  percentile: number,
  options: WithinOptions,
): SyncMatcherResult {
  const report = toReport(received, 'toHavePercentileWithin')
  checkPercentile(percentile, 'percentile')
  if (!options || !(Number.isFinite(options.factor) && options.factor > 0)) {
    throw new FaultlineArgumentError(
      'options.factor',
      `must be a positive number such as 1.5, got ${options?.factor}`,
    )
  }
  const baseline = toReport(options.of, 'toHavePercentileWithin (options.of)')
  requirePercentileSamples(report, percentile, options)
  requirePercentileSamples(baseline, percentile, options)
  const name = percentileName(percentile)
  const base = baseline.percentile(percentile)
  const limit = base * options.factor
  const measured = report.percentile(percentile)
  const pass = measured < limit
  return {
    pass,
    message: () =>
      message({
        matcher: 'toHavePercentileWithin',
        args: `${percentile}, { factor: ${options.factor}, of: baseline }`,
        isNot: this.isNot,
        lines: [
          `${name} ${formatMs(measured)} ${relation(measured, limit)} ${options.factor} x baseline ${name} ${formatMs(base)} = ${formatMs(limit)} (${(measured / base).toFixed(2)} x)`,
          `measured over ${samples(report, report.latency.count)}`,
          `baseline over ${samples(baseline, baseline.latency.count)}`,
        ],
      }),
    actual: measured,
    expected: limit,
  }
}
