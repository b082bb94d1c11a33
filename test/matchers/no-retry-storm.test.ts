// A project's own report matcher: "no retry storm". However often the upstream fails, a worker may call it
// at most messages x (1 + retries) times. Built with @faultline/vitest/matchers, so it refuses to judge a
// log too thin to mean anything and writes its messages like Faultline's own matchers.
import { checkNumber } from '@faultline/core'
import { startUpstream } from '@faultline/http'
import { expect, test } from '@faultline/vitest'
import { asRequestLog, formatRequests, requireFloors, verdict } from '@faultline/vitest/matchers'
import { describe, type MatcherState } from 'vitest'

/** The retry budget of a run: how many messages were handled, and how many retries each may make. */
interface RetryBudget {
  readonly messages: number
  readonly retries: number
}

function toHaveNoRetryStorm(this: MatcherState, received: unknown, budget: RetryBudget) {
  // Inputs: the upstream stub (or any { requests }), and limits checked like every Faultline argument.
  const log = asRequestLog(received, 'toHaveNoRetryStorm')
  const messages = checkNumber(budget?.messages, 'budget.messages', { integer: true, min: 1 })
  const retries = checkNumber(budget?.retries, 'budget.retries', { integer: true, min: 0 })
  // The floor: every message reaches the upstream at least once, or the run exercised nothing.
  requireFloors({ subject: 'upstream', where: log.name, fix: 'Run every message through the worker.' }, [
    {
      what: 'a retry budget',
      population: 'requests',
      have: log.requests.length,
      floor: { needed: messages, why: 'each message reaches the upstream at least once' },
    },
  ])
  const limit = messages * (1 + retries)
  const count = log.requests.length
  const pass = count <= limit
  return verdict(this, {
    matcher: 'toHaveNoRetryStorm',
    subject: 'upstream',
    args: [budget],
    pass,
    finding: `${log.name} received ${count} requests ${pass ? '<=' : '>'} ${messages} messages x (1 + ${retries} retries) = ${limit}`,
    notExpected: `more than ${limit} requests`,
    lines: [`requests: ${formatRequests(log.requests)}`],
    hints: ['retries multiply across layers: retry in one place, cap it, and back off'],
    actual: count,
    expected: limit,
  })
}

// Registration: at run time with expect.extend, for the type checker by declaration merging.
expect.extend({ toHaveNoRetryStorm })

declare module 'vitest' {
  interface Matchers<R, T> {
    /** The upstream received at most messages x (1 + retries) requests. */
    toHaveNoRetryStorm(budget: RetryBudget): R
  }
}

// The code under test: a worker that charges each message through a payment API.
async function charge(url: string): Promise<void> {
  const response = await fetch(`${url}/charge`, { method: 'POST' })
  await response.body?.cancel()
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
}

/** Calls `fn` once, and again up to `retries` times while it fails; rethrows the last error. */
async function withRetries(retries: number, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (attempt >= retries) throw error
    }
  }
}

/** Right: one layer retries, at most 3 times. */
async function worker(url: string, messages: number): Promise<void> {
  for (let m = 0; m < messages; m++) {
    await withRetries(3, () => charge(url)).catch(() => {}) // dead-lettered after 4 attempts
  }
}

/** Broken: the worker retries 3 times around a client that retries 3 times itself: 16 calls a message. */
async function stormingWorker(url: string, messages: number): Promise<void> {
  for (let m = 0; m < messages; m++) {
    await withRetries(3, () => withRetries(3, () => charge(url))).catch(() => {})
  }
}

describe('toHaveNoRetryStorm', () => {
  test('passes when one layer retries within the budget', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 }, { name: 'payments' })
    await worker(upstream.url, 10)
    expect(upstream).toHaveNoRetryStorm({ messages: 10, retries: 3 })
  })

  test('fails when retries multiply across layers', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 }, { name: 'payments' })
    await stormingWorker(upstream.url, 10)
    expect(() => expect(upstream).toHaveNoRetryStorm({ messages: 10, retries: 3 })).toThrow(
      [
        'expect(upstream).toHaveNoRetryStorm({ messages: 10, retries: 3 })',
        '',
        'payments received 160 requests > 10 messages x (1 + 3 retries) = 40',
        'requests: POST /charge 160',
        'Hint: retries multiply across layers: retry in one place, cap it, and back off',
      ].join('\n'),
    )
  })

  test('refuses to judge a run where messages never reached the upstream', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 }, { name: 'payments' })
    await worker(upstream.url, 2) // 8 requests: fewer than the 10 messages the budget speaks of
    expect(() => expect(upstream).toHaveNoRetryStorm({ messages: 10, retries: 0 })).toThrow(
      'a retry budget needs at least 10 requests to judge (each message reaches the upstream at least once); the upstream has 8 (payments). Run every message through the worker.',
    )
  })
})
