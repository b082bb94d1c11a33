import { formatCount, formatMs, measureRecovery, type Recovery, type RecoveryOptions } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { checkBudget, describeError, messageAbout, toCall } from './call-input.js'
import { args } from './message.js'

/** Options of `toRecoverWithin`: how to probe, and where to report the measured recovery time. */
export interface RecoverOptions extends Omit<RecoveryOptions, 'withinMs'> {
  /** Receives the measurement, pass or fail (e.g. to print or keep the recovery time). */
  readonly onMeasured?: (recovery: Recovery) => void
}

/**
 * Passes when, after a fault heals, the call succeeds again (`successes` times in a row) within `budgetMs`
 * of the heal (`since`: the healed fault, or epoch ms; default now). Probes every `intervalMs`; bounded by
 * the budget. The message reports the measured recovery time.
 *
 * @example
 * outage.heal()
 * await expect((signal) => llm.complete('hi', { signal })).toRecoverWithin(5_000, { since: outage })
 */
export async function toRecoverWithin(
  this: MatcherState,
  received: unknown,
  budgetMs: number,
  options: RecoverOptions = {},
): Promise<{ pass: boolean; message: () => string; actual: number | undefined; expected: number }> {
  checkBudget(budgetMs, 'budgetMs')
  const call = toCall(received, 'toRecoverWithin', false)
  if (typeof call !== 'function') throw new TypeError('unreachable: toCall returned a promise')
  const { onMeasured, ...probe } = options
  const r = await measureRecovery(call, { ...probe, withinMs: budgetMs })
  onMeasured?.(r)
  const pass = r.recovered
  const successes = options.successes ?? 1
  const probes = `${formatCount(r.attempts)} probes, ${formatCount(r.failures)} failed`
  const budget = formatMs(budgetMs)
  const lines = pass
    ? [
        `recovered ${formatMs(r.recoveryMs ?? 0)} after the heal <= ${budget}: ${formatCount(successes)} in a row succeeded (${probes})${this.isNot ? `, expected no recovery within ${budget}` : ''}`,
      ]
    : [
        `not recovered within ${budget} of the heal (${probes})`,
        ...(r.lastError === undefined ? [] : [`last failure: ${describeError(r.lastError)}`]),
      ]
  const hints = pass
    ? []
    : [
        `still failing after the heal: a breaker whose half-open delay exceeds ${budget}, a retry backoff that keeps growing, or a client that never reconnects`,
      ]
  return {
    pass,
    message: () =>
      messageAbout('call', {
        matcher: 'toRecoverWithin',
        args: args(
          budgetMs,
          Object.keys(probe).length === 0
            ? undefined
            : {
                ...probe,
                ...(probe.since === undefined || typeof probe.since === 'number' ? {} : { since: 'fault' }),
              },
        ),
        isNot: this.isNot,
        lines,
        hints,
      }),
    actual: r.recoveryMs,
    expected: budgetMs,
  }
}
