import { formatCount } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checked, historyMessage, outcomes, some, toHistory } from './history-input.js'

/**
 * Passes when every acknowledged (`ok`) write of the history is in the final read. Indeterminate writes
 * may be present or absent; a definite failure that turns out present fails too (the error lied).
 * Refuses to judge a history with no acknowledged write.
 *
 * @example
 * const { rows } = await client.query('SELECT id FROM audit')
 * expect(history).toHaveNoLostWrites(rows.map((r) => r.id))
 */
export function toHaveNoLostWrites(
  this: MatcherState,
  received: unknown,
  finalRead: Iterable<unknown>,
): SyncMatcherResult {
  const history = toHistory(received, 'toHaveNoLostWrites')
  const result = checked(history, finalRead, 'toHaveNoLostWrites')
  const pass = result.lost.length === 0 && result.failedButPresent.length === 0
  const lines = pass
    ? [
        `all ${formatCount(result.counts.ok)} acknowledged writes are in the final read`,
        `history: ${outcomes(result)}`,
      ]
    : [
        ...(result.lost.length > 0
          ? [
              `${formatCount(result.lost.length)} of ${formatCount(result.counts.ok)} acknowledged writes lost (missing from the final read): ${some(result.lost)}`,
            ]
          : []),
        ...(result.failedButPresent.length > 0
          ? [
              `${formatCount(result.failedButPresent.length)} writes reported as failed are present: ${some(result.failedButPresent)}`,
            ]
          : []),
        `history: ${outcomes(result)}`,
      ]
  return {
    pass,
    message: () =>
      historyMessage({
        matcher: 'toHaveNoLostWrites',
        args: 'finalRead',
        isNot: this.isNot,
        lines,
        hints: pass
          ? []
          : [
              'an acknowledged write must survive: acknowledge only after COMMIT / the publisher confirm, and make it durable (persistent messages, durable queues)',
            ],
      }),
    actual: result.lost,
    expected: [],
  }
}
