import {
  checkPercentile,
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  percentileName,
} from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkOptions } from './limits.js'
import { latency, meets, message, relation, samples } from './message.js'
import { arrivalPercentile, countedLines } from './outcomes.js'
import {
  checkSampleOptions,
  percentileSamples,
  requireFloors,
  type SampleOptions,
  toReport,
} from './report-input.js'

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
): SyncMatcherResult {
  const report = toReport(received, 'toHavePercentileWithin')
  checkPercentile(percentile, 'percentile')
  if (checkOptions(options, 'options') === undefined) {
    throw new FaultlineArgumentError(
      'options',
      'must be { factor, of: baseline }, e.g. { factor: 1.5, of: baseline }',
    )
  }
  const factor: unknown = options.factor
  if (typeof factor !== 'number' || !(Number.isFinite(factor) && factor > 0)) {
    throw new FaultlineArgumentError(
      'options.factor',
      `must be a positive number such as 1.5, got ${String(factor)}`,
    )
  }
  const baseline = toReport(options.of, 'toHavePercentileWithin (options.of)')
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
  return {
    pass,
    message: () =>
      message({
        matcher: 'toHavePercentileWithin',
        args: `${percentile}, { factor: ${factor}, of: baseline }`,
        isNot: this.isNot,
        lines: [
          `${name} ${latency(measured)} ${relation(measured, limit, 'ceiling')} ${factor} x baseline ${name} ${latency(base)} = ${latency(limit)} (${ratio})${pass ? `, expected > ${latency(limit)}` : ''}`,
          `measured over ${samples(report, line.have, line.floor.needed)}`,
          ...countedLines(report, 'counted above the budget'),
          `baseline over ${samples(baseline, baseLine.have, baseLine.floor.needed)}`,
          ...countedLines(baseline, 'counted above its latencies').map((l) => `baseline: ${l}`),
        ],
      }),
    actual: measured,
    expected: limit,
  }
}
