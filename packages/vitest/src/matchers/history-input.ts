import {
  checkHistory,
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
  if (result.counts.ok === 0) {
    throw new FaultlineArgumentError(
      'received',
      `${matcher} refuses to judge a history with no acknowledged write (${outcomes(result)}): it would prove nothing. Record the writes with history.record(value, write).`,
    )
  }
  return result
}

/** `1,000 ok, 2 fail, 12 indeterminate (9 present, 3 absent), 0 pending; final read 1,009 values`. */
export function outcomes(result: HistoryCheck<unknown>): string {
  const c = result.counts
  const indeterminate =
    c.indeterminate > 0
      ? ` (${formatCount(result.recovered.length)} present, ${formatCount(result.absentIndeterminate.length)} absent)`
      : ''
  return `${formatCount(c.ok)} ok, ${formatCount(c.fail)} fail, ${formatCount(c.indeterminate)} indeterminate${indeterminate}, ${formatCount(c.pending)} pending; final read ${formatCount(c.read)} values`
}

/** Up to 10 values, for a message: `17, 42, 311 and 4 more`. */
export function some(values: readonly unknown[]): string {
  const shown = values.slice(0, 10).map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)))
  return values.length > 10
    ? `${shown.join(', ')} and ${formatCount(values.length - 10)} more`
    : shown.join(', ')
}

/** A history matcher's message: `expect(history)…` rather than `expect(report)…`. */
export function historyMessage(parts: MessageParts): string {
  return message({ ...parts, subject: 'history' })
}
