// The examples of docs/injectors.md. Each region below is shown verbatim on that page, and the last test
// checks it still is, so the docs cannot drift from code that runs.
import { injectMethod } from '@faultline/core'
import { startUpstream } from '@faultline/http'
import { ConsecutiveBreaker, circuitBreaker, handleAll, TimeoutStrategy, timeout, wrap } from 'cockatiel'
import { describe, expect, test } from 'vitest'
import { observeBreaker } from '../breaker.js'
import '../setup.js'
import { expectPageShowsRegions } from './docs-regions.test-support.js'

// #region llm-client
// The code under test: a chat client with a timeout per call and a circuit breaker (cockatiel).
function createChatClient(options: { baseUrl: string; timeoutMs?: number }) {
  const breaker = circuitBreaker(handleAll, { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) })
  const policy =
    options.timeoutMs === undefined
      ? breaker
      : wrap(breaker, timeout(options.timeoutMs, TimeoutStrategy.Cooperative))
  const complete = (prompt: string, signal?: AbortSignal) =>
    policy.execute(async (ctx) => {
      const res = await fetch(`${options.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'small', messages: [{ role: 'user', content: prompt }] }),
        signal: ctx.signal,
      })
      if (!res.ok) throw new Error(`LLM HTTP ${res.status}`)
      const body = (await res.json()) as { choices: { message: { content: string } }[] }
      return body.choices[0]?.message.content ?? ''
    }, signal)
  return { breaker, complete }
}
// #endregion llm-client

const answer = { choices: [{ message: { content: 'hello back' } }] }

describe('docs/injectors.md', () => {
  // #region llm-black-hole
  test('the chat client fails fast when the LLM black-holes, and recovers after', async () => {
    await using llm = await startUpstream({ kind: 'ok', body: answer }, { name: 'llm' })
    const chat = createChatClient({ baseUrl: llm.url, timeoutMs: 2_000 })
    using breaker = observeBreaker(chat.breaker)
    const ask = (signal: AbortSignal) => chat.complete('hello', signal)

    const outage = llm.fault({ kind: 'blackHole' }) // accepts, reads the request, never answers
    // Three workers call at once: each gives up at its 2 s timeout instead of hanging; the breaker opens.
    await expect(ask).toFailFastWithin(3_000, { calls: 3 })
    // While open, calls fail at once without touching the upstream.
    await expect(ask).toFailFastWithin(500)

    await outage.heal()
    await expect(ask).toRecoverWithin(3_000, { since: outage })

    expect(breaker).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])
    expect(llm).toHaveReceivedAtMost(0, { during: breaker.windows('open') })
    expect(llm).toHaveReceivedAtMost(3 + 1) // 3 black-holed calls + 1 half-open probe: no retry storm
  })
  // #endregion llm-black-hole

  // #region llm-no-timeout
  test('the same client without a timeout hangs, and the matcher says so', async () => {
    await using llm = await startUpstream({ kind: 'blackHole' }, { name: 'llm' })
    const chat = createChatClient({ baseUrl: llm.url }) // no timeoutMs

    await expect(
      expect((signal: AbortSignal) => chat.complete('hello', signal)).toFailFastWithin(1_000),
    ).rejects.toThrowError('1 call still pending after 1,500 ms > 1,000 ms: gave up and aborted its signal')
  })
  // #endregion llm-no-timeout

  // #region inject-tenant
  test('a black hole for one tenant fails fast for that tenant only', async () => {
    // Any object's method will do: here a stand-in for an LLM SDK.
    const sdk = {
      async complete(request: { tenant: string; prompt: string; signal?: AbortSignal }) {
        return `echo ${request.prompt}`
      },
    }
    await using fault = injectMethod(sdk, 'complete', {
      kind: 'blackHole', // until the call's signal aborts, or the fault heals
      when: (request) => request.tenant === 'a',
      rate: 1,
      seed: 42,
    })
    const ask = (tenant: string) => (signal: AbortSignal) =>
      sdk.complete({ tenant, prompt: 'hi', signal: AbortSignal.any([signal, AbortSignal.timeout(500)]) })

    await expect(ask('a')).toFailFastWithin(1_500)
    await expect(ask('b')(new AbortController().signal)).resolves.toBe('echo hi')
    expect(fault.stats()).toEqual({ calls: 2, matched: 1, injected: 1, waiting: 0 })
  })
  // #endregion inject-tenant

  test('shows these examples verbatim', () => {
    expectPageShowsRegions('docs/injectors.md', import.meta.url, [
      'llm-client',
      'llm-black-hole',
      'llm-no-timeout',
      'inject-tenant',
    ])
  })
})
