import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { History, Operation } from './history.js'

/** What a final read says about a history of writes. */
export interface HistoryCheck<V> {
  /**
   * Acknowledged writes missing from the final read: data loss. One entry per write lost, so a value
   * appears twice when two acknowledged writes of it left it once.
   */
  lost: V[]
  /**
   * The same losses by value: read `times` times while `atLeast` acknowledged writes of it each had to
   * leave it once.
   */
  lostByValue: { value: V; times: number; atLeast: number }[]
  /** Values in the final read that no operation ever tried to write. */
  unexpected: V[]
  /**
   * Values read more times than their writes can explain: read `times` times, while at most `atMost`
   * writes of it (acknowledged or indeterminate) could have left it. Attempts sharing an id are one write.
   */
  duplicated: { value: V; times: number; atMost: number }[]
  /** Indeterminate writes that did happen: fine, and worth knowing. One entry per write. */
  recovered: V[]
  /** Indeterminate writes that did not happen: fine too. One entry per write. */
  absentIndeterminate: V[]
  /** Values present although every attempt to write them failed definitively: the failure was a lie. */
  failedButPresent: V[]
  /** Writes with an attempt still pending when the check ran (none ok): treated as indeterminate. */
  pending: V[]
  /**
   * `ok`, `fail`, `indeterminate`, `pending`: how many operations (attempts) ended each way; `writes`: how
   * many logical writes they make (attempts sharing an id are one); `acknowledged`: writes with an `ok`
   * attempt; `read`: how many values the final read held.
   */
  counts: {
    ok: number
    fail: number
    indeterminate: number
    pending: number
    writes: number
    acknowledged: number
    read: number
  }
  /** No loss, nothing unexpected, no duplicate, no lying failure. */
  valid: boolean
}

/** Options of `checkHistory`. */
export interface CheckOptions<V> {
  /** Turns a value into a comparable key (default: `String(value)`); needed for objects. */
  key?: (value: V) => string
}

/** How a logical write ended, from its attempts: ok if any was, else maybe, else failed. */
type WriteStatus = 'ok' | 'indeterminate' | 'pending' | 'fail'

interface Write<V> {
  readonly first: Operation<V>
  status: WriteStatus
}

const RANK: Record<WriteStatus, number> = { fail: 0, pending: 1, indeterminate: 2, ok: 3 }

/**
 * Checks a final read against a history of writes, per operation as Jepsen does (ok / fail / info). A
 * logical write is one operation, or every operation sharing an `id` (its retries); it is acknowledged if
 * any attempt was `ok`, indeterminate if none was but one was `indeterminate` or still pending, failed only
 * if every attempt failed definitively. For each value, the final read must hold it at least once per
 * acknowledged write and at most once per acknowledged or indeterminate write; a value present with only
 * failed writes means a failure lied; a value nothing tried to write is unexpected.
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

  const result: HistoryCheck<V> = {
    lost: [],
    lostByValue: [],
    unexpected: [],
    duplicated: [],
    recovered: [],
    absentIndeterminate: [],
    failedButPresent: [],
    pending: [],
    counts: { ok: 0, fail: 0, indeterminate: 0, pending: 0, writes: 0, acknowledged: 0, read: readCount },
    valid: true,
  }
  // Writes by value, in invocation order.
  const writesOf = new Map<string, { value: V; writes: Write<V>[] }>()
  const byId = new Map<string | number, Write<V>>()
  for (const op of history.operations) {
    result.counts[op.outcome]++
    const k = key(op.value)
    const existing = op.id === undefined ? undefined : byId.get(op.id)
    if (existing) {
      if (key(existing.first.value) !== k) {
        throw new FaultlineArgumentError(
          'history',
          `operation #${op.index} writes ${describeValue(op.value)} under id ${describeValue(op.id)}, which operation #${existing.first.index} used for ${describeValue(existing.first.value)}: the attempts of one write write the same value; give each write its own id`,
          checkHistory,
        )
      }
      if (RANK[op.outcome] > RANK[existing.status]) existing.status = op.outcome
      continue
    }
    const write: Write<V> = { first: op, status: op.outcome }
    if (op.id !== undefined) byId.set(op.id, write)
    const same = writesOf.get(k)
    if (same) same.writes.push(write)
    else writesOf.set(k, { value: op.value, writes: [write] })
  }

  for (const [k, { value, writes }] of writesOf) {
    const times = read.get(k)?.times ?? 0
    const count = (status: WriteStatus) => writes.filter((w) => w.status === status).length
    const ok = count('ok')
    const indeterminate = count('indeterminate')
    const pending = count('pending')
    result.counts.writes += writes.length
    result.counts.acknowledged += ok
    for (let i = times; i < ok; i++) result.lost.push(value)
    if (times < ok) result.lostByValue.push({ value, times, atLeast: ok })
    // Reads beyond the acknowledged writes are what the indeterminate ones left.
    const recovered = Math.min(indeterminate, Math.max(0, times - ok))
    for (let i = 0; i < indeterminate; i++)
      (i < recovered ? result.recovered : result.absentIndeterminate).push(value)
    for (let i = 0; i < pending; i++) result.pending.push(value)
    const atMost = ok + indeterminate + pending
    if (times > atMost) {
      if (atMost === 0) result.failedButPresent.push(value)
      else result.duplicated.push({ value, times, atMost })
    }
  }
  for (const [k, entry] of read) {
    if (!writesOf.has(k)) result.unexpected.push(entry.value)
  }
  result.valid =
    result.lost.length === 0 &&
    result.unexpected.length === 0 &&
    result.duplicated.length === 0 &&
    result.failedButPresent.length === 0
  return result
}
