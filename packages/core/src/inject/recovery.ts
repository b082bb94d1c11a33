import { setTimeout as sleep } from 'node:timers/promises'
import { FaultlineArgumentError } from '../errors.js'
import { measureSettle, type TimedCall } from './settle.js'

/** When the fault healed: epoch ms, or anything with a `healedAt` (a `Fault`, an upstream fault). */
export type HealedSince = number | { readonly healedAt?: number | undefined }

/** How `measureRecovery` probes. */
export interface RecoveryOptions {
  /** The budget: calls must succeed within this many ms of `since`. */
  readonly withinMs: number
  /** When the fault healed (default: now). */
  readonly since?: HealedSince
  /** Pause between probes in ms (default 50). */
  readonly intervalMs?: number
  /** Consecutive successes that count as recovered (default 1). */
  readonly successes?: number
  /** The longest one probe may take before it counts as a failure, in ms (default: the budget left). */
  readonly attemptTimeoutMs?: number
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
  if (since === undefined) return Date.now()
  if (typeof since === 'number') return since
  if (since.healedAt === undefined) {
    throw new FaultlineArgumentError(
      'options.since',
      'the fault has not healed yet; heal it (fault.heal()) before measuring recovery',
    )
  }
  return since.healedAt
}

function checkMs(value: unknown, argument: string, min = 0): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < min)) {
    throw new FaultlineArgumentError(argument, `must be a duration in ms >= ${min}, got ${String(value)}`)
  }
}

/**
 * Probes `call` until it succeeds `successes` times in a row or the budget runs out, and measures the
 * recovery time from `since` to the first success of that run. Bounded: each probe by the time left,
 * the whole by `withinMs` after `since`.
 *
 * @example
 * fault.heal()
 * const r = await measureRecovery((signal) => client.get('/health', { signal }), { withinMs: 5_000, since: fault })
 * r.recoveryMs // e.g. 1,012 ms: the breaker's half-open delay
 */
export async function measureRecovery(call: TimedCall, options: RecoveryOptions): Promise<Recovery> {
  checkMs(options.withinMs, 'withinMs')
  checkMs(options.intervalMs, 'options.intervalMs')
  checkMs(options.attemptTimeoutMs, 'options.attemptTimeoutMs', 1)
  const successes = options.successes ?? 1
  if (!Number.isInteger(successes) || successes < 1) {
    throw new FaultlineArgumentError('options.successes', `must be an integer >= 1, got ${String(successes)}`)
  }
  const since = healedAt(options.since)
  const deadline = since + options.withinMs
  const interval = options.intervalMs ?? 50
  let attempts = 0
  let failures = 0
  let lastError: unknown
  let streak = 0
  let firstOfStreak: number | undefined
  // Bounded by the deadline; the count bound only guards against a clock that does not move.
  for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
    const left = deadline - Date.now()
    const startedAt = Date.now()
    const settled = await measureSettle(call, {
      giveUpAfterMs: Math.max(1, Math.min(left, options.attemptTimeoutMs ?? left)),
    })
    attempts++
    if (settled.outcome === 'resolved' && Date.now() <= deadline) {
      if (streak === 0) firstOfStreak = startedAt + settled.ms
      streak++
      if (streak >= successes) {
        return {
          recovered: true,
          recoveryMs: Math.max(0, (firstOfStreak ?? startedAt) - since),
          attempts,
          failures,
          lastError,
          elapsedMs: Date.now() - since,
        }
      }
    } else {
      failures++
      streak = 0
      lastError =
        settled.outcome === 'rejected'
          ? settled.error
          : settled.outcome === 'resolved'
            ? new Error(`succeeded only after the budget, ${Math.round(settled.ms)} ms into the probe`)
            : new Error(`timed out after ${Math.round(settled.ms)} ms`)
    }
    const pause = Math.min(interval, deadline - Date.now())
    if (pause > 0) await sleep(pause)
  }
  return {
    recovered: false,
    recoveryMs: undefined,
    attempts,
    failures,
    lastError,
    elapsedMs: Date.now() - since,
  }
}
