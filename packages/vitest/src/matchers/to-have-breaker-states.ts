import { describeValue, FaultlineArgumentError, formatCount, formatMs } from '@faultline/core'
import type { MatcherState } from 'vitest'
import type { BreakerState, BreakerTransition } from '../breaker.js'
import { type VerdictResult, verdict } from './message.js'

const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated']

interface ObserverLike {
  readonly name?: string
  transitions(): readonly BreakerTransition[]
}

/**
 * Passes when the observed breaker went through exactly `expected`, in order, from the state it was in
 * when observed (`observeBreaker`).
 *
 * @example
 * expect(observed).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])
 */
export function toHaveBreakerStates(
  this: MatcherState,
  received: unknown,
  expected: readonly BreakerState[],
): VerdictResult {
  const observer = received as ObserverLike | null
  if (typeof observer?.transitions !== 'function') {
    throw new FaultlineArgumentError(
      'received',
      'toHaveBreakerStates expects what observeBreaker(breaker) returned (from @faultline/vitest)',
    )
  }
  if (!Array.isArray(expected) || expected.some((s) => !STATES.includes(s))) {
    throw new FaultlineArgumentError(
      'expected',
      `expected an array of ${STATES.map((x) => `'${x}'`).join(', ')}, got ${describeValue(expected)}`,
    )
  }
  const transitions = observer.transitions()
  const seen = transitions.map((t) => t.state)
  const pass = seen.length === expected.length && seen.every((s, i) => s === expected[i])
  const name = observer.name ?? 'breaker'
  const start = transitions[0]?.at ?? 0
  const last = transitions[transitions.length - 1]?.at ?? start
  const changes = Math.max(0, seen.length - 1)
  const went = `${name} went ${seen.join(' -> ')} (${formatCount(changes)} ${changes === 1 ? 'change' : 'changes'} over ${formatMs(last - start)})`
  const timing = `states at: ${transitions.map((t) => `${t.state} +${formatMs(t.at - start)}`).join(', ')}`
  const { where, hint } = divergence(seen, expected)
  return verdict(this, {
    matcher: 'toHaveBreakerStates',
    subject: 'breaker',
    args: `[${expected.map((x) => `'${x}'`).join(', ')}]`,
    pass,
    finding: went,
    notExpected: 'any other sequence',
    lines: pass ? [timing] : [`expected ${expected.join(' -> ')}: ${where}`, timing],
    hints: hint === undefined ? [] : [hint],
    actual: seen,
    expected,
  })
}

/** Where the observed sequence leaves the expected one, and the usual cause of leaving it there. */
function divergence(
  seen: readonly BreakerState[],
  expected: readonly BreakerState[],
): { where: string; hint?: string } {
  let i = 0
  while (i < seen.length && i < expected.length && seen[i] === expected[i]) i++
  const next = expected[i]
  const now = seen[i]
  if (i === 0 && now !== undefined && next !== undefined) {
    return {
      where: `it was ${now} when observed, not ${next}`,
      hint: 'observe the breaker (observeBreaker) before the calls that should move it',
    }
  }
  const at = seen[i - 1]
  if (now === undefined && next !== undefined) {
    const where = `it stopped at ${at}, never went ${next}`
    if (next === 'open') {
      return {
        where,
        hint: 'it never opened: the failures never reached the breaker (caught, or a fallback, inside the policy; or a policy that does not handle those errors)',
      }
    }
    if (next === 'half-open') {
      return {
        where,
        hint: 'it never half-opened: a cockatiel breaker half-opens on the first call after halfOpenAfter (opossum: after resetTimeout), so a client that stops calling while it is open keeps it open',
      }
    }
    if (at === 'half-open' && next === 'closed') {
      return {
        where,
        hint: 'it stayed half-open: the probe call never settled (it hangs without a timeout), or no call came after the half-open delay',
      }
    }
    return { where }
  }
  if (now !== undefined && next === undefined) {
    return { where: `then it went on: ${seen.slice(i - 1).join(' -> ')}` }
  }
  const where = `after ${at} it went ${now}, not ${next}`
  if (at === 'half-open' && now === 'open') {
    return {
      where,
      hint: 'the half-open probe failed: the upstream was still failing (or the probe timed out) when the breaker tried it again',
    }
  }
  return { where }
}
