import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checkFailureCount, checkFinite, checkOptions } from './limits.js'
import { args } from './message.js'
import {
  amount,
  type FailedSamplesOptions,
  monitorMessage,
  refuseFailedSamples,
  sampling,
  toMonitor,
} from './monitor-input.js'

/**
 * Passes when no sample of the monitor went above `limit` (at or below passes): a connection pool that
 * never exhausts the server, a queue that stays bounded. Needs at least 2 samples. A sample that failed
 * may have been the peak: with more failures than `maxFailures` (default 0), a monitor that stayed under
 * the limit is refused (`FAILED_SAMPLES`), never passed; one that went over fails whatever failed.
 *
 * @example
 * expect(await connections.stop()).toNeverExceed(10)
 * expect(report.during('pg restarting').monitor(connections.name)).toNeverExceed(20, { maxFailures: 5 })
 */
export function toNeverExceed(
  this: MatcherState,
  received: unknown,
  limit: number,
  options?: FailedSamplesOptions,
): SyncMatcherResult {
  checkFinite(limit, 'limit')
  const maxFailures = checkFailureCount(checkOptions(options, 'options')?.maxFailures, 'options.maxFailures')
  const monitor = toMonitor(received, 'toNeverExceed', 2)
  const over = monitor.samples.filter((s) => s.value > limit)
  if (over.length === 0) {
    refuseFailedSamples(
      monitor,
      'toNeverExceed',
      maxFailures,
      'the limit cannot be shown to hold (a failed sample may have been the peak)',
    )
  }
  const peak = Math.max(...monitor.samples.map((s) => s.value))
  const pass = over.length === 0
  const first = over[0]
  return {
    pass,
    message: () =>
      monitorMessage({
        matcher: 'toNeverExceed',
        args: args(limit, options),
        isNot: this.isNot,
        lines: [
          pass
            ? `${monitor.name} peaked at ${amount(peak, monitor.unit)} <= ${amount(limit, monitor.unit)}, expected > ${amount(limit, monitor.unit)}`
            : `${monitor.name} peaked at ${amount(peak, monitor.unit)} > ${amount(limit, monitor.unit)}; ${over.length} ${over.length === 1 ? 'sample' : 'samples'} above, the first at ${((first?.atMs ?? 0) / 1000).toFixed(1)} s`,
          sampling(monitor, maxFailures),
        ],
      }),
    actual: peak,
    expected: limit,
  }
}
