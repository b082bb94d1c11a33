import { describeValue, formatCount } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checked, historyMessage, outcomes, some, toHistory } from './history-input.js'

/**
 * Passes when no value is read more times than its writes can explain, and nothing appears that was never
 * written (a retry that wrote twice, a redelivered message processed again). Counted per write: attempts
 * sharing an `id` are one write and may leave the value once; without ids each operation is a write of its
 * own. Refuses to judge a history with no acknowledged write.
 *
 * @example
 * expect(history).toHaveNoDuplicates(rows.map((r) => r.id))
 */
export function toHaveNoDuplicates(
  this: MatcherState,
  received: unknown,
  finalRead: Iterable<unknown>,
): SyncMatcherResult {
  const history = toHistory(received, 'toHaveNoDuplicates')
  const result = checked(history, finalRead, 'toHaveNoDuplicates')
  const pass = result.duplicated.length === 0 && result.unexpected.length === 0
  const lines = pass
    ? [
        `each of the ${formatCount(result.counts.read)} values read was written, none more times than its ${formatCount(result.counts.writes)} writes explain`,
        `history: ${outcomes(result)}`,
      ]
    : [
        ...(result.duplicated.length > 0
          ? [
              `${formatCount(result.duplicated.length)} values read more than once: ${some(
                result.duplicated,
                (d) =>
                  `${describeValue(d.value)} x${d.times}${d.atMost > 1 ? ` (at most ${d.atMost} writes)` : ''}`,
              )}`,
            ]
          : []),
        ...(result.unexpected.length > 0
          ? [
              `${formatCount(result.unexpected.length)} values read that no write attempted: ${some(result.unexpected)}`,
            ]
          : []),
        `history: ${outcomes(result)}`,
      ]
  return {
    pass,
    message: () =>
      historyMessage({
        matcher: 'toHaveNoDuplicates',
        args: 'finalRead',
        isNot: this.isNot,
        lines,
        hints: pass
          ? []
          : [
              'retries need an idempotency key (a unique id per logical write, ON CONFLICT DO NOTHING / message ids)',
            ],
      }),
    actual: result.duplicated.map((d) => d.value),
    expected: [],
  }
}
