import {
  checkNumber,
  checkPercentile,
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  percentileName,
} from '@faultline/core'
import type { MatcherState } from 'vitest'
import { requireFloors } from './floors.js'
import { checkOptions } from './limits.js'
import { formatLatency, formatSamples, meets, relation, type VerdictResult, verdict } from './message.js'
import { arrivalPercentile, countedLines } from './outcomes.js'
import { asReport, checkSampleOptions, percentileSamples, type SampleOptions } from './report-input.js'

/** The baseline a percentile is compared with, and by how much it may grow. */
export interface WithinOptions extends SampleOptions {
  /** The report of the same traffic without the disturbance (e.g. tenant B alone). */
  of: unknown
  /** How many times the baseline's percentile the measured one may reach, e.g. 1.5. */
  factor: number
}

/**
 * Passes when the latency at `percentile` is at or below `factor` x the same percentile of a baseline
 * report: "tenant B's p95 during tenant A's bulk import stays within 1.5 x its p95 alone". Dropped
 * arrivals count above every latency, in both reports; a baseline whose percentile they make unbounded
 * is refused. Both reports need the percentile's floor of samples.
 *
 * @example
 * expect(flood.tag('tenant-b')).toHavePercentileWithin(95, { factor: 1.5, of: baseline.tag('tenant-b') })
 */
export function toHavePercentileWithin(
  this: MatcherState,
  received: unknown,
  percentile: number,
  options: WithinOptions,
): VerdictResult {
  const report = asReport(received, 'toHavePercentileWithin')
  checkPercentile(percentile, 'percentile')
  if (checkOptions(options, 'options') === undefined) {
    throw new FaultlineArgumentError(
      'options',
      'expected { factor, of: baseline }, e.g. { factor: 1.5, of: baseline }, got undefined',
    )
  }
  const factor = checkNumber(options.factor, 'options.factor', { above: 0 })
  const baseline = asReport(options.of, 'toHavePercentileWithin (options.of)')
  const min = checkSampleOptions(options)
  const name = percentileName(percentile)
  const line = percentileSamples(report, name, percentile, min)
  const baseLine = percentileSamples(baseline, `the baseline's ${name}`, percentile, min)
  requireFloors(report, [line])
  requireFloors(baseline, [baseLine])
  const base = arrivalPercentile(baseline, percentile)
  if (base === Number.POSITIVE_INFINITY) {
    throw new FaultlineError(
      'UNUSABLE_BASELINE',
      `the baseline's ${name} is unbounded: ${formatCount(baseline.dropped)} of ${formatCount(baseline.count)} of its arrivals were dropped. A baseline must serve its traffic: run it at a rate the system keeps up with.`,
    )
  }
  const limit = base * factor
  const measured = arrivalPercentile(report, percentile)
  const pass = meets(measured, limit, 'ceiling')
  const ratio =
    measured === Number.POSITIVE_INFINITY
      ? 'unbounded'
      : base > 0
        ? `${(measured / base).toFixed(2)} x`
        : 'baseline 0 ms'
  return verdict(this, {
    matcher: 'toHavePercentileWithin',
    args: `${percentile}, { factor: ${factor}, of: baseline }`,
    pass,
    finding: `${name} ${formatLatency(measured)} ${relation(measured, limit, 'ceiling')} ${factor} x baseline ${name} ${formatLatency(base)} = ${formatLatency(limit)} (${ratio})`,
    notExpected: `> ${formatLatency(limit)}`,
    lines: [
      `measured over ${formatSamples(report, line.have, line.floor.needed)}`,
      ...countedLines(report, 'counted above the budget'),
      `baseline over ${formatSamples(baseline, baseLine.have, baseLine.floor.needed)}`,
      ...countedLines(baseline, 'counted above its latencies').map((l) => `baseline: ${l}`),
    ],
    chart: { report, limits: { latency: [{ name: `${factor} x baseline ${name}`, ms: limit }] } },
    actual: measured,
    expected: limit,
  })
}
