import { formatCount, formatMs, measureRecovery, type Recovery, type RecoveryOptions } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { asCall, checkBudget, describeError } from './call-input.js'
import { formatArgs, type VerdictResult, verdict } from './message.js'

/** Options of `toRecoverWithin`: how to probe, and where to report the measured recovery time. */
export interface RecoverWithinOptions extends Omit<RecoveryOptions, 'within'> {
  /** Receives the measurement, pass or fail (e.g. to print or keep the recovery time). */
  readonly onMeasured?: (recovery: Recovery) => void
}

/**
 * Passes when, after a fault heals, the call succeeds again (`successes` times in a row) within `budgetMs`
 * of the heal (`since`: the healed fault, or epoch ms; default now). Probes every `interval` ms; bounded by
 * the budget. The message reports the measured recovery time.
 *
 * @example
 * await outage.heal()
 * await expect((signal) => llm.complete('hi', { signal })).toRecoverWithin(5_000, { since: outage })
 */
export async function toRecoverWithin(
  this: MatcherState,
  received: unknown,
  budgetMs: number,
  options: RecoverWithinOptions = {},
): Promise<VerdictResult> {
  checkBudget(budgetMs, 'budgetMs')
  const call = asCall(received, 'toRecoverWithin')
  const { onMeasured, ...probe } = options
  const r = await measureRecovery(call, { ...probe, within: budgetMs })
  onMeasured?.(r)
  const pass = r.recovered
  const successes = options.successes ?? 1
  const probes = `${formatCount(r.attempts)} probes, ${formatCount(r.failures)} failed`
  const budget = formatMs(budgetMs)
  const finding = pass
    ? `recovered ${formatMs(r.recoveryMs ?? 0)} after the heal <= ${budget}: ${formatCount(successes)} in a row succeeded (${probes})`
    : `not recovered within ${budget} of the heal (${probes})`
  // A fault given as `since` shows as `fault`: its fields say nothing in a head line.
  const shownOptions = typeof probe.since === 'object' ? { ...probe, since: 'fault' } : probe
  return verdict(this, {
    matcher: 'toRecoverWithin',
    subject: 'call',
    args: formatArgs(budgetMs, Object.keys(probe).length === 0 ? undefined : shownOptions),
    pass,
    finding,
    notExpected: `no recovery within ${budget}`,
    lines: pass || r.lastError === undefined ? [] : [`last failure: ${describeError(r.lastError)}`],
    hints: [
      `still failing after the heal: a breaker whose half-open delay exceeds ${budget}, a retry backoff that keeps growing, or a client that never reconnects`,
    ],
    actual: r.recoveryMs,
    expected: budgetMs,
  })
}
