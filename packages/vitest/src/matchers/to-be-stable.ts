import { FaultlineArgumentError, trend } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkFailureCount, checkNonNegative, checkSampleCount } from './limits.js'
import { args } from './message.js'
import {
  amount,
  type FailedSamplesOptions,
  monitorMessage,
  refuseFailedSamples,
  sampling,
  toMonitor,
} from './monitor-input.js'

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
export function toBeStable(
  this: MatcherState,
  received: unknown,
  limits: StabilityLimits,
): SyncMatcherResult {
  if (typeof limits !== 'object' || limits === null) {
    throw new FaultlineArgumentError('limits', 'must be an object such as { maxGrowth: 1024 * 1024 }')
  }
  checkNonNegative(limits.maxGrowth, 'limits.maxGrowth', "a number in the monitor's unit")
  const minSamples = checkSampleCount(limits.minSamples, 'limits.minSamples', 2) ?? 10
  const maxFailures = checkFailureCount(limits.maxFailures, 'limits.maxFailures')
  const monitor = toMonitor(received, 'toBeStable', minSamples)
  refuseFailedSamples(
    monitor,
    'toBeStable',
    maxFailures,
    'a stable trend cannot be shown (the samples not read may hide a rise)',
  )
  const t = trend(monitor.samples)
  const pass = t.growth <= limits.maxGrowth
  const per = `${amount(t.slopePerSecond, monitor.unit)}/s`
  return {
    pass,
    message: () =>
      monitorMessage({
        matcher: 'toBeStable',
        args: args(limits),
        isNot: this.isNot,
        lines: [
          `${monitor.name} trend ${t.growth < 0 ? 'fell' : 'rose'} ${amount(Math.abs(t.growth), monitor.unit)} (${per}, mean ${amount(t.mean, monitor.unit)}) ${pass ? '<=' : '>'} ${amount(limits.maxGrowth, monitor.unit)} allowed${pass ? `, expected a rise > ${amount(limits.maxGrowth, monitor.unit)}` : ''}`,
          sampling(monitor, maxFailures),
        ],
        hints: pass
          ? []
          : ['a steady rise under a steady load is a leak: something is created per call and never released'],
      }),
    actual: t.growth,
    expected: limits.maxGrowth,
  }
}
