import { formatCount } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { checked, historyMessage, outcomes, some, toHistory } from './history-input.js'

/**
 * Passes when no value appears twice in the final read and nothing appears that was never written
 * (a retry that wrote twice, a redelivered message processed again). Refuses to judge a history with no
 * acknowledged write.
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
  const twice = result.duplicated.map(
    (d) => `${typeof d.value === 'string' ? JSON.stringify(d.value) : String(d.value)} x${d.times}`,
  )
  const lines = pass
    ? [
        `every one of the ${formatCount(result.counts.read)} values read is unique and was written`,
        `history: ${outcomes(result)}`,
      ]
    : [
        ...(result.duplicated.length > 0
          ? [
              `${formatCount(result.duplicated.length)} values read more than once: ${some(twice).replaceAll('"', '')}`,
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
