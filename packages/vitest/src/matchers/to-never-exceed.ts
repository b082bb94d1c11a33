import type { MatcherState, SyncMatcherResult } from 'vitest'
import { amount, monitorMessage, sampling, toMonitor } from './monitor-input.js'

/**
 * Passes when no sample of the monitor went above `limit`: a connection pool that never exhausts the
 * server, a queue that stays bounded. Needs at least 2 samples.
 *
 * @example
 * expect(await connections.stop()).toNeverExceed(10)
 */
export function toNeverExceed(this: MatcherState, received: unknown, limit: number): SyncMatcherResult {
  const monitor = toMonitor(received, 'toNeverExceed', 2)
  const peak = Math.max(...monitor.samples.map((s) => s.value))
  const over = monitor.samples.filter((s) => s.value > limit)
  const pass = over.length === 0
  const first = over[0]
  return {
    pass,
    message: () =>
      monitorMessage({
        matcher: 'toNeverExceed',
        args: String(limit),
        isNot: this.isNot,
        lines: [
          pass
            ? `${monitor.name} peaked at ${amount(peak, monitor.unit)} <= ${amount(limit, monitor.unit)}, expected to exceed it`
            : `${monitor.name} peaked at ${amount(peak, monitor.unit)} > ${amount(limit, monitor.unit)}; ${over.length} samples above, the first at ${((first?.atMs ?? 0) / 1000).toFixed(1)} s`,
          sampling(monitor),
        ],
      }),
    actual: peak,
    expected: limit,
  }
}
