import { describeValue, formatCount } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { formatSome, type HistoryProblem, judgeHistory } from './history-input.js'
import type { VerdictResult } from './message.js'

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
): VerdictResult {
  return judgeHistory(this, 'toHaveNoDuplicates', received, finalRead, (result) => {
    const idempotency =
      'retries need an idempotency key (a unique id per logical write, ON CONFLICT DO NOTHING / message ids)'
    const problems: HistoryProblem[] = []
    if (result.duplicated.length > 0) {
      const times = (d: (typeof result.duplicated)[number]) =>
        `${describeValue(d.value)} x${d.times}${d.atMost > 1 ? ` (at most ${d.atMost} writes)` : ''}`
      problems.push({
        finding: `${formatCount(result.duplicated.length)} values read more than once: ${formatSome(result.duplicated, times)}`,
        hint: idempotency,
      })
    }
    if (result.unexpected.length > 0) {
      problems.push({
        finding: `${formatCount(result.unexpected.length)} values read that no write attempted: ${formatSome(result.unexpected)}`,
        hint: idempotency,
      })
    }
    return {
      passed: `each of the ${formatCount(result.counts.read)} values read was written, none more times than its ${formatCount(result.counts.writes)} writes explain`,
      notExpected: 'a value read more often than written',
      problems,
      actual: result.duplicated.map((d) => d.value),
      expected: [],
    }
  })
}
