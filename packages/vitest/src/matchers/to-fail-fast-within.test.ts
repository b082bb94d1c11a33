// Real clients against a real black-hole upstream on loopback: the one with a timeout (and a cockatiel
// breaker) fails fast; the one without hangs, and the matcher gives up on it instead of hanging the test.
import { startUpstream } from '@faultline/http'
import { ConsecutiveBreaker, circuitBreaker, handleAll, TimeoutStrategy, timeout, wrap } from 'cockatiel'
import { describe, expect, it } from 'vitest'
import '../setup.js'

// Measured durations vary from run to run; the snapshots keep the limits, which do not.
const measured = (text: string) => text.replace(/(after|within) [\d,.]+ ms/g, '$1 <t> ms')

function clientWithTimeout(url: string, timeoutMs: number) {
  const policy = wrap(
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(3) }),
    timeout(timeoutMs, TimeoutStrategy.Cooperative),
  )
  return (signal: AbortSignal) =>
    policy.execute(async (ctx) => {
      const res = await fetch(`${url}/v1/chat`, { method: 'POST', body: '{}', signal: ctx.signal })
      return res.text()
    }, signal)
}

// The broken variant: no timeout at all, and it ignores the signal it is given.
function clientWithoutTimeout(url: string) {
  return async (_signal: AbortSignal) =>
    (await fetch(`${url}/v1/chat`, { method: 'POST', body: '{}' })).text()
}

describe('.toFailFastWithin', () => {
  it('passes when a client with a 2 s timeout and a cockatiel breaker meets a black hole', async () => {
    await using upstream = await startUpstream({ kind: 'blackHole' })
    await expect(clientWithTimeout(upstream.url, 2_000)).toFailFastWithin(3_000)
    expect(upstream.count).toBe(1)
  })

  it('passes for every one of several concurrent calls (the breaker opens, later calls fail at once)', async () => {
    await using upstream = await startUpstream({ kind: 'blackHole' })
    await expect(clientWithTimeout(upstream.url, 300)).toFailFastWithin(2_000, { calls: 5 })
  })

  it('fails, without hanging the test, when the client has no timeout', async () => {
    await using upstream = await startUpstream({ kind: 'blackHole' })
    const start = performance.now()
    const error = await expect(clientWithoutTimeout(upstream.url))
      .toFailFastWithin(1_000, { giveUpAfter: 1_500 })
      .catch((e: unknown) => e)
    expect(performance.now() - start).toBeLessThan(3_000)
    expect(String(error)).toMatchInlineSnapshot(`
      "Error: expect(call).toFailFastWithin(1000, { giveUpAfter: 1500 })

      1 call still pending after 1,500 ms > 1,000 ms: gave up and aborted its signal
      Hint: the call hangs: give it a timeout shorter than 1,000 ms (AbortSignal.timeout(ms), a cockatiel timeout policy, an opossum timeout)"
    `)
  })

  it('fails when the client times out, but later than the budget', async () => {
    await using upstream = await startUpstream({ kind: 'blackHole' })
    const error = await expect(clientWithTimeout(upstream.url, 600))
      .toFailFastWithin(200)
      .catch((e: unknown) => e)
    expect(measured(String(error))).toMatchInlineSnapshot(`
      "Error: expect(call).toFailFastWithin(200)

      1 call rejected only after <t> ms > 200 ms: AbortError: This operation was aborted
      Hint: the call times out, but later than the budget: lower its timeout below 200 ms"
    `)
  })

  it('fails when the call succeeds: the fault did not reach it', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const error = await expect(clientWithTimeout(upstream.url, 2_000))
      .toFailFastWithin(1_000)
      .catch((e: unknown) => e)
    expect(measured(String(error))).toMatchInlineSnapshot(`
      "Error: expect(call).toFailFastWithin(1000)

      1 call resolved after <t> ms instead of failing
      Hint: is the fault applied to what this call reaches? A call that succeeds did not meet the fault"
    `)
  })

  it('rejects a call that is not a function, and a bad budget', async () => {
    await expect(expect(42).toFailFastWithin(1_000)).rejects.toThrow(
      'received: toFailFastWithin expects a function of an AbortSignal',
    )
    await expect(expect(async () => {}).toFailFastWithin(-1)).rejects.toThrow(
      'budgetMs: expected a number of ms > 0, got -1',
    )
    await expect(expect(async () => {}).toFailFastWithin(1_000, { giveUpAfter: 500 })).rejects.toThrow(
      'options.giveUpAfter: expected a number of ms >= the budget (1000 ms): a call cannot be judged before its budget ends, got 500',
    )
  })
})

describe('.not.toFailFastWithin', () => {
  it('passes when the call hangs (and gives up on it at the limit)', async () => {
    await using upstream = await startUpstream({ kind: 'blackHole' })
    await expect(clientWithoutTimeout(upstream.url)).not.toFailFastWithin(200, { giveUpAfter: 400 })
  })

  it('fails when the call fails fast', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 })
    const failing = async () => {
      const res = await fetch(upstream.url, { signal: AbortSignal.timeout(2_000) })
      await res.arrayBuffer()
      throw new Error(`HTTP ${res.status}`)
    }
    const error = await expect(failing)
      .not.toFailFastWithin(2_000)
      .catch((e: unknown) => e)
    expect(measured(String(error))).toMatchInlineSnapshot(`
      "Error: expect(call).not.toFailFastWithin(2000)

      1 call rejected within <t> ms <= 2,000 ms: Error: HTTP 503, expected at least one to take longer or not to fail"
    `)
  })
})
