import { FaultlineArgumentError, trend } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { amount, monitorMessage, sampling, toMonitor } from './monitor-input.js'

/** How much a stable series may grow over the sampled span. */
export interface StabilityLimits {
  /** The most the fitted trend may rise over the span, in the monitor's unit. */
  maxGrowth: number
  /** Samples needed to judge (default 10). */
  minSamples?: number
}

/**
 * Passes when the least-squares trend of the samples rises by at most `maxGrowth` over the sampled span:
 * no upward drift of memory, connections or queue depth — the signature of a leak. Refuses to judge fewer
 * than `minSamples` (10) samples.
 *
 * @example
 * expect(await memory.stop()).toBeStable({ maxGrowth: 1024 * 1024 })
 */
export function toBeStable(
  this: MatcherState,
  received: unknown,
  limits: StabilityLimits,
): SyncMatcherResult {
  if (!limits || !(Number.isFinite(limits.maxGrowth) && limits.maxGrowth >= 0)) {
    throw new FaultlineArgumentError(
      'limits.maxGrowth',
      `must be a number >= 0 in the monitor's unit, got ${limits?.maxGrowth}`,
    )
  }
  const monitor = toMonitor(received, 'toBeStable', limits.minSamples ?? 10)
  const t = trend(monitor.samples)
  const pass = t.growth <= limits.maxGrowth
  const per = `${amount(t.slopePerSecond, monitor.unit)}/s`
  return {
    pass,
    message: () =>
      monitorMessage({
        matcher: 'toBeStable',
        args: `{ maxGrowth: ${limits.maxGrowth} }`,
        isNot: this.isNot,
        lines: [
          `${monitor.name} trend ${t.growth > 0 ? 'rose' : 'fell'} ${amount(Math.abs(t.growth), monitor.unit)} (${per}, mean ${amount(t.mean, monitor.unit)}) ${pass ? '<=' : '>'} ${amount(limits.maxGrowth, monitor.unit)} allowed`,
          sampling(monitor),
        ],
        hints: pass
          ? []
          : ['a steady rise under a steady load is a leak: something is created per call and never released'],
      }),
    actual: t.growth,
    expected: limits.maxGrowth,
  }
}
