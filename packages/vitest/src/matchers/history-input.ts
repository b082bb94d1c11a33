import {
  checkHistory,
  describeValue,
  FaultlineArgumentError,
  formatCount,
  History,
  type HistoryCheck,
} from '@faultline/core'
import { type MessageParts, message } from './message.js'

/** The history a history matcher was given, or an error naming what it got instead. */
export function toHistory(received: unknown, matcher: string): History<unknown> {
  if (received instanceof History) return received
  throw new FaultlineArgumentError(
    'received',
    `${matcher} expects a History from @faultline/core (expect(history).${matcher}(finalRead)), got ${describe(received)}`,
  )
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'object') return value.constructor?.name ?? 'an object'
  return typeof value
}

/** Checks the final read, refusing a history with nothing acknowledged to check (it would prove nothing). */
export function checked(
  history: History<unknown>,
  finalRead: unknown,
  matcher: string,
): HistoryCheck<unknown> {
  const result = checkHistory(history, finalRead as Iterable<unknown>)
  if (result.counts.acknowledged === 0) {
    throw new FaultlineArgumentError(
      'received',
      `${matcher} refuses to judge a history with no acknowledged write (${outcomes(result)}): it would prove nothing. Record the writes with history.record(value, write).`,
    )
  }
  return result
}

/**
 * The history in one line. One attempt per write:
 * `1,000 ok, 2 fail, 12 indeterminate (9 present, 3 absent), 0 pending; final read 1,009 values`.
 * With retries (attempts sharing an id), writes and attempts apart:
 * `2 writes in 3 attempts (2 ok, 1 fail, 0 indeterminate, 0 pending): 2 acknowledged, 0 indeterminate, 0 failed, 0 pending; final read 2 values`.
 */
export function outcomes(result: HistoryCheck<unknown>): string {
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
 * Up to 10 items for a message, each shown by `show` (default: the value, strings quoted):
 * `17, 42, 311 and 4 more`, `"w3-2" x2`.
 */
export function some<T>(items: readonly T[], show: (item: T) => string = describeValue): string {
  const shown = items.slice(0, 10).map(show)
  return items.length > 10
    ? `${shown.join(', ')} and ${formatCount(items.length - 10)} more`
    : shown.join(', ')
}

/** A history matcher's message: `expect(history)…` rather than `expect(report)…`. */
export function historyMessage(parts: MessageParts): string {
  return message({ ...parts, subject: 'history' })
}
