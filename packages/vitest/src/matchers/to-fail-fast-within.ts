import {
  checkNumber,
  FaultlineArgumentError,
  formatCount,
  formatMs,
  measureSettle,
  type Settlement,
} from '@faultline/core'
import type { MatcherState } from 'vitest'
import { asCall, checkBudget, describeError } from './call-input.js'
import { formatArgs, message } from './message.js'

/** Options of `toFailFastWithin`. */
export interface FailFastOptions {
  /** Make this many calls at once (default 1); every one must fail within the budget (no starvation). */
  readonly calls?: number
  /**
   * When to stop waiting for a call that has not settled, in ms: its signal is aborted and it counts as
   * hanging (default: the budget plus half of it, at least 500 ms more).
   */
  readonly giveUpAfter?: number
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`
}

function slowest(list: readonly Settlement[]): number {
  return Math.max(...list.map((s) => s.ms))
}

/**
 * Passes when the call rejects within `budgetMs`: under a hanging fault, a client with a timeout fails
 * fast instead of hanging. Never hangs the test: at `giveUpAfter` it aborts the call's signal and fails.
 * `received` is a function of an AbortSignal (or a promise, timed from the assertion).
 *
 * @example
 * await using upstream = await startUpstream({ kind: 'blackHole' })
 * await expect((signal) => llm.complete('hi', { signal })).toFailFastWithin(2_500)
 */
export async function toFailFastWithin(
  this: MatcherState,
  received: unknown,
  budgetMs: number,
  options: FailFastOptions = {},
): Promise<{ pass: boolean; message: () => string; actual: number; expected: number }> {
  checkBudget(budgetMs, 'budgetMs')
  const calls = checkNumber(options.calls ?? 1, 'options.calls', { integer: true, min: 1, max: 10_000 })
  const giveUpAfter = checkBudget(
    options.giveUpAfter ?? budgetMs + Math.max(500, budgetMs / 2),
    'options.giveUpAfter',
  )
  if (giveUpAfter < budgetMs) {
    throw new FaultlineArgumentError(
      'options.giveUpAfter',
      `expected a number of ms >= the budget (${budgetMs} ms): a call cannot be judged before its budget ends, got ${giveUpAfter}`,
    )
  }
  const call = asCall(received, 'toFailFastWithin', { allowPromise: calls === 1 })
  const settled = await Promise.all(Array.from({ length: calls }, () => measureSettle(call, { giveUpAfter })))
  const fast = settled.filter((s) => s.outcome === 'rejected' && s.ms <= budgetMs)
  const late = settled.filter((s) => s.outcome === 'rejected' && s.ms > budgetMs)
  const resolved = settled.filter((s) => s.outcome === 'resolved')
  const pending = settled.filter((s) => s.outcome === 'pending')
  const pass = fast.length === calls
  const budget = formatMs(budgetMs)
  const firstError = (list: readonly Settlement[]): string => {
    const s = list.find((x) => x.outcome === 'rejected')
    return s?.outcome === 'rejected' ? `: ${describeError(s.error)}` : ''
  }
  const of = calls === 1 ? '' : ` of ${formatCount(calls)}`
  const lines: string[] = []
  const hints: string[] = []
  if (pending.length > 0) {
    lines.push(
      `${plural(pending.length, 'call')}${of} still pending after ${formatMs(giveUpAfter)} > ${budget}: gave up and aborted its signal`,
    )
    hints.push(
      `the call hangs: give it a timeout shorter than ${budget} (AbortSignal.timeout(ms), a cockatiel timeout policy, an opossum timeout)`,
    )
  }
  if (late.length > 0) {
    lines.push(
      `${plural(late.length, 'call')}${of} rejected only after ${formatMs(slowest(late))} > ${budget}${firstError(late)}`,
    )
    hints.push(`the call times out, but later than the budget: lower its timeout below ${budget}`)
  }
  if (resolved.length > 0) {
    lines.push(
      `${plural(resolved.length, 'call')}${of} resolved after ${formatMs(slowest(resolved))} instead of failing`,
    )
    hints.push('is the fault applied to what this call reaches? A call that succeeds did not meet the fault')
  }
  if (fast.length > 0) {
    const tail = pass ? ', expected at least one to take longer or not to fail' : ''
    lines.push(
      `${plural(fast.length, 'call')}${of} rejected within ${formatMs(slowest(fast))} <= ${budget}${firstError(fast)}${tail}`,
    )
  }
  return {
    pass,
    message: () =>
      message({
        subject: 'call',
        matcher: 'toFailFastWithin',
        args: formatArgs(budgetMs, Object.keys(options).length === 0 ? undefined : options),
        isNot: this.isNot,
        lines,
        hints: pass ? [] : hints,
      }),
    actual: slowest(settled),
    expected: budgetMs,
  }
}
