import { FaultlineArgumentError, formatCount, formatMs } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import type { BreakerState, BreakerTransition } from '../breaker.js'
import { messageAbout } from './call-input.js'

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
): SyncMatcherResult {
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
      `must be an array of ${STATES.join(', ')}, got ${JSON.stringify(expected)}`,
    )
  }
  const transitions = observer.transitions()
  const seen = transitions.map((t) => t.state)
  const pass = seen.length === expected.length && seen.every((s, i) => s === expected[i])
  const name = observer.name ?? 'breaker'
  const start = transitions[0]?.at ?? 0
  const last = transitions[transitions.length - 1]?.at ?? start
  const went = `${name} went ${seen.join(' -> ')} (${formatCount(Math.max(0, seen.length - 1))} changes over ${formatMs(last - start)})`
  const timing = transitions.map((t) => `${t.state} +${formatMs(t.at - start)}`).join(', ')
  return {
    pass,
    message: () =>
      messageAbout('breaker', {
        matcher: 'toHaveBreakerStates',
        args: `[${expected.map((x) => `'${x}'`).join(', ')}]`,
        isNot: this.isNot,
        lines: pass ? [`${went}, expected any other sequence`] : [went, `expected ${expected.join(' -> ')}`],
        hints: [`states at: ${timing}`],
      }),
    actual: seen,
    expected,
  }
}
