import { FaultlineArgumentError } from '../errors.js'
import type { History, Operation } from './history.js'

/** What a final read says about a history of writes. */
export interface HistoryCheck<V> {
  /** Acknowledged (`ok`) writes missing from the final read: data loss. */
  lost: V[]
  /** Values in the final read that no operation ever tried to write. */
  unexpected: V[]
  /** Values the final read holds more than once, with how many times. */
  duplicated: { value: V; times: number }[]
  /** Indeterminate writes that did happen: fine, and worth knowing. */
  recovered: V[]
  /** Indeterminate writes that did not happen: fine too. */
  absentIndeterminate: V[]
  /** Writes that reported a definite failure but are present: the failure was a lie. */
  failedButPresent: V[]
  /** Operations still pending when the check ran (never completed): treated as indeterminate. */
  pending: V[]
  /** How many operations ended each way, and how many values the final read held. */
  counts: { ok: number; fail: number; indeterminate: number; pending: number; read: number }
  /** No loss, nothing unexpected, no duplicate, no lying failure. */
  valid: boolean
}

/** Options of `checkHistory`. */
export interface CheckOptions<V> {
  /** Turns a value into a comparable key (default: `String(value)`); needed for objects. */
  key?: (value: V) => string
}

/**
 * Checks a final read against a history of writes, as Jepsen's set checker does: every acknowledged write
 * must be present, nothing may appear that was never attempted, nothing twice; indeterminate writes may be
 * present or absent.
 *
 * @example
 * const result = checkHistory(history, finalRows.map((r) => r.id))
 * result.lost // acknowledged but missing
 */
export function checkHistory<V>(
  history: History<V>,
  finalRead: Iterable<V>,
  options: CheckOptions<V> = {},
): HistoryCheck<V> {
  if (finalRead === null || typeof (finalRead as Iterable<V>)[Symbol.iterator] !== 'function') {
    throw new FaultlineArgumentError(
      'finalRead',
      'must be an iterable of the values read back, e.g. rows.map((r) => r.id)',
      checkHistory,
    )
  }
  const key = options.key ?? ((v: V) => String(v))
  const read = new Map<string, { value: V; times: number }>()
  let readCount = 0
  for (const value of finalRead) {
    readCount++
    const k = key(value)
    const seen = read.get(k)
    if (seen) seen.times++
    else read.set(k, { value, times: 1 })
  }
  const attempted = new Map<string, Operation<V>[]>()
  for (const op of history.operations) {
    const k = key(op.value)
    attempted.set(k, [...(attempted.get(k) ?? []), op])
  }

  const result: HistoryCheck<V> = {
    lost: [],
    unexpected: [],
    duplicated: [],
    recovered: [],
    absentIndeterminate: [],
    failedButPresent: [],
    pending: [],
    counts: { ok: 0, fail: 0, indeterminate: 0, pending: 0, read: readCount },
    valid: true,
  }
  for (const op of history.operations) {
    result.counts[op.outcome]++
    const present = read.has(key(op.value))
    if (op.outcome === 'ok' && !present) result.lost.push(op.value)
    else if (op.outcome === 'fail' && present) result.failedButPresent.push(op.value)
    else if (op.outcome === 'indeterminate')
      (present ? result.recovered : result.absentIndeterminate).push(op.value)
    else if (op.outcome === 'pending') result.pending.push(op.value)
  }
  for (const [k, entry] of read) {
    if (!attempted.has(k)) result.unexpected.push(entry.value)
    if (entry.times > 1) result.duplicated.push(entry)
  }
  result.valid =
    result.lost.length === 0 &&
    result.unexpected.length === 0 &&
    result.duplicated.length === 0 &&
    result.failedButPresent.length === 0
  return result
}
