import { checkNumber } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { checkFailureCount, checkOptions } from './limits.js'
import type { VerdictResult } from './message.js'
import {
  asMonitor,
  type FailedSamplesOptions,
  formatAmount,
  monitorVerdict,
  refuseFailedSamples,
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
): VerdictResult {
  checkNumber(limit, 'limit')
  const maxFailures = checkFailureCount(checkOptions(options, 'options')?.maxFailures, 'options.maxFailures')
  const monitor = asMonitor(received, 'toNeverExceed', { needed: 2, why: 'a peak needs a series' })
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
  const peaked = `${monitor.name} peaked at ${formatAmount(peak, monitor.unit)}`
  const shownLimit = formatAmount(limit, monitor.unit)
  return monitorVerdict(this, monitor, maxFailures, {
    matcher: 'toNeverExceed',
    args: [limit, options],
    pass,
    finding: pass
      ? `${peaked} <= ${shownLimit}`
      : `${peaked} > ${shownLimit}; ${over.length} ${over.length === 1 ? 'sample' : 'samples'} above, the first at ${((first?.atMs ?? 0) / 1000).toFixed(1)} s`,
    notExpected: `> ${shownLimit}`,
    actual: peak,
    expected: limit,
  })
}
