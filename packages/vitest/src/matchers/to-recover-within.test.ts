// A cockatiel breaker in front of a real upstream stub: after the outage heals, the client recovers once
// the breaker half-opens. A short half-open delay recovers within the budget; a long one does not.
import type { Recovery } from '@faultline/core'
import { startUpstream } from '@faultline/http'
import { ConsecutiveBreaker, circuitBreaker, handleAll, TimeoutStrategy, timeout, wrap } from 'cockatiel'
import { describe, expect, it } from 'vitest'
import '../setup.js'

function client(url: string, halfOpenAfter: number) {
  const policy = wrap(
    circuitBreaker(handleAll, { halfOpenAfter, breaker: new ConsecutiveBreaker(2) }),
    timeout(1_000, TimeoutStrategy.Cooperative),
  )
  return (signal: AbortSignal) =>
    policy.execute(async (ctx) => {
      const res = await fetch(url, { signal: ctx.signal })
      await res.arrayBuffer()
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      return res.status
    }, signal)
}

// Runs an outage that trips the breaker, heals it, and returns the healed fault.
async function outage(
  upstream: Awaited<ReturnType<typeof startUpstream>>,
  call: (s: AbortSignal) => unknown,
) {
  const fault = upstream.fault({ kind: 'status', status: 503 })
  for (let i = 0; i < 3; i++) await Promise.resolve(call(AbortSignal.timeout(2_000))).catch(() => {})
  fault.heal()
  return fault
}

const probes = (text: string) =>
  text
    .replace(/\(\d+ probes, \d+ failed\)/, '(<n> probes, <n> failed)')
    .replace(/[\d,.]+ ms after/, '<t> ms after')

describe('.toRecoverWithin', () => {
  it('passes when calls succeed again within the budget, reporting the recovery time', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const call = client(upstream.url, 300)
    const healed = await outage(upstream, call)
    let measured: Recovery | undefined
    await expect(call).toRecoverWithin(3_000, {
      since: healed,
      interval: 25,
      successes: 3,
      onMeasured: (r) => {
        measured = r
      },
    })
    // The breaker stays open for its 300 ms half-open delay after tripping, so recovery takes about that.
    expect(measured?.recoveryMs).toBeGreaterThan(150)
    expect(measured?.recoveryMs).toBeLessThan(3_000)
  })

  it('fails when the breaker stays open past the budget', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const call = client(upstream.url, 10_000)
    const healed = await outage(upstream, call)
    const error = await expect(call)
      .toRecoverWithin(400, { since: healed, interval: 50 })
      .catch((e: unknown) => e)
    expect(probes(String(error))).toMatchInlineSnapshot(`
      "Error: expect(call).toRecoverWithin(400, { since: fault, interval: 50 })

      not recovered within 400 ms of the heal (<n> probes, <n> failed)
      last failure: BrokenCircuitError: Execution prevented because the circuit breaker is open
      Hint: still failing after the heal: a breaker whose half-open delay exceeds 400 ms, a retry backoff that keeps growing, or a client that never reconnects"
    `)
  })

  it('refuses to measure from a fault that has not healed', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    await using down = upstream.fault({ kind: 'blackHole' })
    await expect(expect(client(upstream.url, 100)).toRecoverWithin(500, { since: down })).rejects.toThrow(
      'options.since: the fault has not healed yet',
    )
  })
})

describe('.not.toRecoverWithin', () => {
  it('passes when the calls keep failing', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 500 })
    await expect(client(upstream.url, 10_000)).not.toRecoverWithin(300, { interval: 50 })
  })

  it('fails when the calls recover', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const error = await expect(client(upstream.url, 100))
      .not.toRecoverWithin(1_000)
      .catch((e: unknown) => e)
    expect(probes(String(error))).toMatchInlineSnapshot(`
      "Error: expect(call).not.toRecoverWithin(1000)

      recovered <t> ms after the heal <= 1,000 ms: 1 in a row succeeded (<n> probes, <n> failed), expected no recovery within 1,000 ms"
    `)
  })
})
