import { describeValue, formatCount } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checked, historyMessage, outcomes, some, toHistory } from './history-input.js'

/**
 * Passes when every acknowledged write of the history is in the final read, judged per operation: a write
 * is acknowledged if any of its attempts was `ok` (attempts sharing an `id` are one write; without ids each
 * operation is a write of its own, so two acknowledged writes of one value must leave it twice).
 * Indeterminate writes may be present or absent. A value present although every attempt to write it
 * failed definitively fails too (the error lied); an idempotent retry — failed, then ok — does not.
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
  const lost = result.lost.length > 0
  const lied = result.failedButPresent.length > 0
  const pass = !lost && !lied
  const lines = pass
    ? [
        `all ${formatCount(result.counts.acknowledged)} acknowledged writes are in the final read`,
        `history: ${outcomes(result)}`,
      ]
    : [
        ...(lost
          ? [
              `${formatCount(result.lost.length)} of ${formatCount(result.counts.acknowledged)} acknowledged writes lost (missing from the final read): ${some(
                result.lostByValue,
                (l) =>
                  l.atLeast === 1
                    ? describeValue(l.value)
                    : `${describeValue(l.value)} (read ${l.times}, acknowledged ${l.atLeast})`,
              )}`,
            ]
          : []),
        ...(lied
          ? [
              `${formatCount(result.failedButPresent.length)} values present although every attempt to write them failed: ${some(result.failedButPresent)}`,
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
        hints: [
          ...(lost
            ? [
                'an acknowledged write must survive: acknowledge only after COMMIT / the publisher confirm, and make it durable (persistent messages, durable queues)',
              ]
            : []),
          ...(lied
            ? [
                'a write reported as failed happened: an error that may come after the work (a timeout, a cut connection) is indeterminate — record it so with record(value, write, { classify })',
              ]
            : []),
        ],
      }),
    actual: result.lost,
    expected: [],
  }
}
