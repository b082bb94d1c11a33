import { setTimeout as sleep } from 'node:timers/promises'
import { now } from '../clock.js'
import { FaultlineArgumentError, FaultlineError } from '../errors.js'
import { checkNumber, optionalNumber } from '../validate.js'
import { measureSettle, type TimedCall } from './settle.js'

/** When the fault healed: epoch ms (core's `now()`), or anything with a `healedAt` (any `ActiveFault`). */
export type HealedSince = number | { readonly healedAt?: number | undefined }

/** How `measureRecovery` probes. */
export interface RecoveryOptions {
  /** The budget: calls must succeed within this many ms of `since`. */
  readonly within: number
  /** When the fault healed (default: now). */
  readonly since?: HealedSince
  /** Pause between probes in ms (default 50). */
  readonly interval?: number
  /** Consecutive successes that count as recovered (default 1). */
  readonly successes?: number
  /** The longest one probe may take before it counts as a failure, in ms (default: the budget left). */
  readonly attemptTimeout?: number
}

/** What `measureRecovery` saw. */
export interface Recovery {
  readonly recovered: boolean
  /** From `since` to the first success of the run that counted, in ms. */
  readonly recoveryMs: number | undefined
  /** Probes made, and how many of them failed. */
  readonly attempts: number
  readonly failures: number
  /** The last failure's error (a probe that timed out counts as `timed out after … ms`). */
  readonly lastError: unknown
  /** From `since` to the end of probing, in ms. */
  readonly elapsedMs: number
}

function healedAt(since: HealedSince | undefined): number {
  if (since === undefined) return now()
  if (typeof since === 'number') return since
  if (since.healedAt === undefined) {
    throw new FaultlineArgumentError(
      'options.since',
      'the fault has not healed yet; heal it (await fault.heal()) before measuring recovery',
      measureRecovery,
    )
  }
  return since.healedAt
}

/**
 * Probes `call` until it succeeds `successes` times in a row or the budget runs out, and measures the
 * recovery time from `since` to the first success of that run. Bounded: each probe by the time left,
 * the whole by `within` after `since`.
 *
 * @example
 * await fault.heal()
 * const r = await measureRecovery((signal) => client.get('/health', { signal }), { within: 5_000, since: fault })
 * r.recoveryMs // e.g. 1,012 ms: the breaker's half-open delay
 */
export async function measureRecovery(call: TimedCall, options: RecoveryOptions): Promise<Recovery> {
  const within = checkNumber(options.within, 'options.within', { unit: 'ms', min: 0 }, measureRecovery)
  const interval = optionalNumber(
    options.interval,
    'options.interval',
    { unit: 'ms', min: 0 },
    50,
    measureRecovery,
  )
  const attemptTimeout = optionalNumber(
    options.attemptTimeout,
    'options.attemptTimeout',
    { unit: 'ms', min: 1 },
    undefined,
    measureRecovery,
  )
  const successes = optionalNumber(
    options.successes,
    'options.successes',
    { integer: true, min: 1 },
    1,
    measureRecovery,
  )
  const since = healedAt(options.since)
  const deadline = since + within
  let attempts = 0
  let failures = 0
  let lastError: unknown
  let streak = 0
  let firstOfStreak: number | undefined
  // Bounded by the deadline; the count bound only guards against a clock that does not move.
  for (let i = 0; i < 100_000 && now() < deadline; i++) {
    const startedAt = now()
    const left = deadline - startedAt
    const settled = await measureSettle(call, {
      giveUpAfter: Math.max(1, Math.min(left, attemptTimeout ?? left)),
    })
    attempts++
    if (settled.outcome === 'resolved' && now() <= deadline) {
      if (streak === 0) firstOfStreak = startedAt + settled.ms
      streak++
      if (streak >= successes) {
        return {
          recovered: true,
          recoveryMs: Math.max(0, (firstOfStreak ?? startedAt) - since),
          attempts,
          failures,
          lastError,
          elapsedMs: now() - since,
        }
      }
    } else {
      failures++
      streak = 0
      lastError =
        settled.outcome === 'rejected'
          ? settled.error
          : settled.outcome === 'resolved'
            ? new FaultlineError(
                'PROBE_LATE',
                `succeeded only after the budget, ${Math.round(settled.ms)} ms into the probe`,
              )
            : new FaultlineError('PROBE_TIMEOUT', `timed out after ${Math.round(settled.ms)} ms`)
    }
    const pause = Math.min(interval, deadline - now())
    if (pause > 0) await sleep(pause)
  }
  return {
    recovered: false,
    recoveryMs: undefined,
    attempts,
    failures,
    lastError,
    elapsedMs: now() - since,
  }
}
