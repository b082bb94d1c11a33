import { describeValue, formatCount } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { formatSome, type HistoryProblem, judgeHistory } from './history-input.js'
import type { VerdictResult } from './message.js'

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
): VerdictResult {
  return judgeHistory(this, 'toHaveNoLostWrites', received, finalRead, (result) => {
    const problems: HistoryProblem[] = []
    if (result.lost.length > 0) {
      const lost = (l: (typeof result.lostByValue)[number]) =>
        l.atLeast === 1
          ? describeValue(l.value)
          : `${describeValue(l.value)} (read ${l.times}, acknowledged ${l.atLeast})`
      problems.push({
        finding: `${formatCount(result.lost.length)} of ${formatCount(result.counts.acknowledged)} acknowledged writes lost (missing from the final read): ${formatSome(result.lostByValue, lost)}`,
        hint: 'an acknowledged write must survive: acknowledge only after COMMIT / the publisher confirm, and make it durable (persistent messages, durable queues)',
      })
    }
    if (result.failedButPresent.length > 0) {
      problems.push({
        finding: `${formatCount(result.failedButPresent.length)} values present although every attempt to write them failed: ${formatSome(result.failedButPresent)}`,
        hint: 'a write reported as failed happened: an error that may come after the work (a timeout, a cut connection) is indeterminate — record it so with record(value, write, { classify })',
      })
    }
    return {
      passed: `all ${formatCount(result.counts.acknowledged)} acknowledged writes are in the final read`,
      notExpected: 'a lost write',
      problems,
      actual: result.lost,
      expected: [],
    }
  })
}
