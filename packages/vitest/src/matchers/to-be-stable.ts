import { checkNumber, describeValue, FaultlineArgumentError, trend } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { checkFailureCount, checkSampleCount } from './limits.js'
import type { VerdictResult } from './message.js'
import type { FailedSamplesOptions } from './monitor-input.js'
import { asMonitor, formatAmount, monitorVerdict, refuseFailedSamples } from './monitor-input.js'

/** How much a stable series may grow over the sampled span. */
export interface StabilityLimits extends FailedSamplesOptions {
  /** The most the fitted trend may rise over the span, in the monitor's unit (at or below passes). */
  maxGrowth: number
  /** Samples needed to judge (default 10, at least 2). */
  minSamples?: number
}

/**
 * Passes when the least-squares trend of the samples rises by at most `maxGrowth` over the sampled span:
 * no upward drift of memory, connections or queue depth — the signature of a leak. Refuses to judge fewer
 * than `minSamples` (10) samples, or more failed samples than `maxFailures` (default 0): the samples that
 * could not be read may hide a rise.
 *
 * @example
 * expect(await memory.stop()).toBeStable({ maxGrowth: 1024 * 1024 })
 */
export function toBeStable(this: MatcherState, received: unknown, limits: StabilityLimits): VerdictResult {
  if (typeof limits !== 'object' || limits === null) {
    throw new FaultlineArgumentError(
      'limits',
      `expected an object such as { maxGrowth: 1024 * 1024 }, got ${describeValue(limits)}`,
    )
  }
  checkNumber(limits.maxGrowth, 'limits.maxGrowth', { min: 0 })
  const minSamples = checkSampleCount(limits.minSamples, 'limits.minSamples', 2)
  const maxFailures = checkFailureCount(limits.maxFailures, 'limits.maxFailures')
  const monitor = asMonitor(
    received,
    'toBeStable',
    minSamples === undefined
      ? { needed: 10, why: 'a trend over fewer follows its noise' }
      : { needed: minSamples, why: 'minSamples' },
  )
  refuseFailedSamples(
    monitor,
    'toBeStable',
    maxFailures,
    'a stable trend cannot be shown (the samples not read may hide a rise)',
  )
  const t = trend(monitor.samples)
  const pass = t.growth <= limits.maxGrowth
  const allowed = formatAmount(limits.maxGrowth, monitor.unit)
  const per = `${formatAmount(t.slopePerSecond, monitor.unit)}/s`
  return monitorVerdict(this, monitor, maxFailures, {
    matcher: 'toBeStable',
    args: [limits],
    pass,
    finding: `${monitor.name} trend ${t.growth < 0 ? 'fell' : 'rose'} ${formatAmount(Math.abs(t.growth), monitor.unit)} (${per}, mean ${formatAmount(t.mean, monitor.unit)}) ${pass ? '<=' : '>'} ${allowed} allowed`,
    notExpected: `a rise > ${allowed}`,
    hints: ['a steady rise under a steady load is a leak: something is created per call and never released'],
    actual: t.growth,
    expected: limits.maxGrowth,
  })
}
