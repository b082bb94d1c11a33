// Input checks and wording shared by the history matchers. Public (`@faultline/vitest/matchers`).
import {
  checkHistory,
  describeValue,
  FaultlineArgumentError,
  formatCount,
  History,
  type HistoryCheck,
} from '@faultline/core'
import type { MatcherState } from 'vitest'
import { requireFloors } from './floors.js'
import { type VerdictResult, verdict } from './message.js'

/**
 * The history a history matcher was given, or an error naming what it got instead.
 *
 * @example
 * import { asHistory } from '@faultline/vitest/matchers'
 * const history = asHistory(received, 'toHaveNoGaps')
 */
export function asHistory(received: unknown, matcher: string): History<unknown> {
  if (received instanceof History) return received
  throw new FaultlineArgumentError(
    'received',
    `${matcher} expects a History from @faultline/core (expect(history).${matcher}(finalRead)), got ${describeValue(received)}`,
  )
}

/**
 * Checks the final read against the history (`checkHistory`, per operation), refusing (`TOO_FEW_SAMPLES`)
 * a history with no acknowledged write: it would prove nothing.
 *
 * @example
 * import { checkFinalRead } from '@faultline/vitest/matchers'
 * const result = checkFinalRead(history, rows.map((r) => r.id), 'toHaveNoGaps')
 * result.lost // the acknowledged writes missing from the read
 */
export function checkFinalRead(
  history: History<unknown>,
  finalRead: Iterable<unknown>,
  matcher: string,
): HistoryCheck<unknown> {
  const result = checkHistory(history, finalRead)
  requireFloors(
    {
      subject: 'history',
      where: formatOutcomes(result),
      fix: 'Record the writes with history.record(value, write).',
    },
    [
      {
        what: matcher,
        population: 'acknowledged write',
        have: result.counts.acknowledged,
        floor: { needed: 1, why: 'with none it would prove nothing' },
      },
    ],
  )
  return result
}

/**
 * The history in one line. One attempt per write:
 * `1,000 ok, 2 fail, 12 indeterminate (9 present, 3 absent), 0 pending; final read 1,009 values`.
 * With retries (attempts sharing an id), writes and attempts apart:
 * `2 writes in 3 attempts (2 ok, 1 fail, 0 indeterminate, 0 pending): 2 acknowledged, 0 indeterminate, 0 failed, 0 pending; final read 2 values`.
 *
 * @example
 * `history: ${formatOutcomes(result)}`
 */
export function formatOutcomes(result: HistoryCheck<unknown>): string {
  const c = result.counts
  const read = `final read ${formatCount(c.read)} values`
  const indeterminateWrites = result.recovered.length + result.absentIndeterminate.length
  const presence =
    indeterminateWrites > 0
      ? ` (${formatCount(result.recovered.length)} present, ${formatCount(result.absentIndeterminate.length)} absent)`
      : ''
  const attempts = c.ok + c.fail + c.indeterminate + c.pending
  if (attempts === c.writes) {
    return `${formatCount(c.ok)} ok, ${formatCount(c.fail)} fail, ${formatCount(c.indeterminate)} indeterminate${presence}, ${formatCount(c.pending)} pending; ${read}`
  }
  const failed = c.writes - c.acknowledged - indeterminateWrites - result.pending.length
  return `${formatCount(c.writes)} writes in ${formatCount(attempts)} attempts (${formatCount(c.ok)} ok, ${formatCount(c.fail)} fail, ${formatCount(c.indeterminate)} indeterminate, ${formatCount(c.pending)} pending): ${formatCount(c.acknowledged)} acknowledged, ${formatCount(indeterminateWrites)} indeterminate${presence}, ${formatCount(failed)} failed, ${formatCount(result.pending.length)} pending; ${read}`
}

/**
 * Up to 10 items for a message, each shown by `show` (default: `describeValue`, strings quoted).
 *
 * @example
 * formatSome([17, 42, 311]) // '17, 42, 311'
 * formatSome(keys) // past 10 keys: the first 10, then 'and 4 more'
 */
export function formatSome<T>(items: readonly T[], show: (item: T) => string = describeValue): string {
  const shown = items.slice(0, 10).map(show)
  return items.length > 10
    ? `${shown.join(', ')} and ${formatCount(items.length - 10)} more`
    : shown.join(', ')
}

/** A way a history matcher found the final read wrong: the finding, and the hint that goes with it. */
export interface HistoryProblem {
  readonly finding: string
  readonly hint: string
}

/** What a history matcher found, for {@link judgeHistory}. */
export interface HistoryFindings {
  /** What held, for the `.not` message, e.g. `all 1,000 acknowledged writes are in the final read`. */
  readonly passed: string
  /** What `.not` expected instead, e.g. `a lost write`. */
  readonly notExpected: string
  /** What was wrong; none passes. */
  readonly problems: readonly HistoryProblem[]
  readonly actual?: unknown
  readonly expected?: unknown
}

/**
 * Judges a final read against a history, the way Faultline's history matchers do: `received` taken as a
 * History ({@link asHistory}), the read checked per operation and refused when nothing was acknowledged
 * ({@link checkFinalRead}); `find` says what is wrong. The message gives the problems (or what held),
 * the history's counts, and one hint per distinct fix.
 *
 * @example
 * import { judgeHistory } from '@faultline/vitest/matchers'
 *
 * return judgeHistory(this, 'toHaveNoLostWrites', received, finalRead, (result) => ({
 *   passed: 'every acknowledged write is in the final read',
 *   notExpected: 'a lost write',
 *   problems: result.lost.length === 0 ? [] : [{ finding: `${result.lost.length} lost`, hint: 'acknowledge after COMMIT' }],
 * }))
 */
export function judgeHistory(
  state: Pick<MatcherState, 'isNot'>,
  matcher: string,
  received: unknown,
  finalRead: Iterable<unknown>,
  find: (result: HistoryCheck<unknown>) => HistoryFindings,
): VerdictResult {
  const result = checkFinalRead(asHistory(received, matcher), finalRead, matcher)
  const found = find(result)
  const pass = found.problems.length === 0
  return verdict(state, {
    matcher,
    subject: 'history',
    args: 'finalRead',
    pass,
    finding: pass ? found.passed : found.problems.map((p) => p.finding).join('\n'),
    notExpected: found.notExpected,
    lines: [`history: ${formatOutcomes(result)}`],
    hints: [...new Set(found.problems.map((p) => p.hint))], // one line per distinct fix
    actual: found.actual,
    expected: found.expected,
  })
}
