// Real breakers (cockatiel, opossum) in front of a real upstream stub on loopback: their state changes are
// observed through their own events, and the upstream's request log shows what got through while open.
import { setTimeout as sleep } from 'node:timers/promises'
import { Timeline } from '@faultline/core'
import { type StartedUpstream, startUpstream } from '@faultline/http'
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel'
import CircuitBreaker from 'opossum'
import { describe, expect, it, onTestFinished } from 'vitest'
import { observeBreaker } from './breaker.js'
import './setup.js'

async function get(url: string, signal: AbortSignal): Promise<number> {
  const res = await fetch(url, { signal })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  return res.status
}

function cockatielClient(upstream: StartedUpstream, halfOpenAfter = 300) {
  const breaker = circuitBreaker(handleAll, { halfOpenAfter, breaker: new ConsecutiveBreaker(3) })
  const policy = wrap(breaker, timeout(200, TimeoutStrategy.Cooperative))
  const call = () => policy.execute(({ signal }) => get(upstream.url, signal))
  return { breaker, call }
}

// Trips the breaker against a black hole, tries a few calls while it is open, heals, waits out the
// half-open delay and makes one more call.
async function outageAndRecovery(upstream: StartedUpstream, call: () => Promise<unknown>, wait = 350) {
  const outage = upstream.fault({ kind: 'blackHole' })
  for (let i = 0; i < 3; i++) await call().catch(() => {})
  for (let i = 0; i < 5; i++) await call().catch(() => {})
  outage.heal()
  await sleep(wait)
  return call().catch((e: unknown) => e)
}

const times = (text: string) => text.replace(/[\d,.]+ ms/g, '<t> ms')

describe('observeBreaker (cockatiel)', () => {
  it('sees closed -> open -> half-open -> closed, with no call reaching the upstream while open', async () => {
    await using upstream = await startUpstream({ kind: 'ok' }, { name: 'llm' })
    const timeline = new Timeline()
    const { breaker, call } = cockatielClient(upstream)
    using observed = observeBreaker(breaker, { name: 'llm breaker', timeline })
    await expect(outageAndRecovery(upstream, call)).resolves.toBe(200)
    expect(observed).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])
    expect(observed.windows('open')).toHaveLength(1)
    expect(upstream).toHaveReceivedAtMost(0, { during: observed.windows('open') })
    expect(upstream.count).toBe(4) // 3 into the black hole, 1 probe that closed the breaker
    expect(timeline.entries().map((e) => e.name)).toEqual(['llm breaker open'])
  })

  it('fails the sequence when the upstream is still down at the half-open probe', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const { breaker, call } = cockatielClient(upstream)
    using observed = observeBreaker(breaker)
    const outage = upstream.fault({ kind: 'status', status: 503 })
    for (let i = 0; i < 3; i++) await call().catch(() => {})
    await sleep(350)
    await call().catch(() => {})
    outage.heal()
    expect(() =>
      expect(observed).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed']),
    ).toThrowError()
    let message = ''
    try {
      expect(observed).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])
    } catch (error) {
      message = times(String(error))
    }
    expect(message).toMatchInlineSnapshot(`
      "Error: expect(breaker).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])

      breaker went closed -> open -> half-open -> open (3 changes over <t> ms)
      expected closed -> open -> half-open -> closed: after half-open it went open, not closed
      states at: closed +<t> ms, open +<t> ms, half-open +<t> ms, open +<t> ms
      Hint: the half-open probe failed: the upstream was still failing (or the probe timed out) when the breaker tried it again"
    `)
  })

  it('fails "nothing while open" for a client that bypasses its open breaker', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const { breaker, call } = cockatielClient(upstream, 10_000)
    // The broken variant: when the breaker refuses, it calls the upstream directly anyway.
    const bypass = () =>
      call().catch((e: unknown) => {
        if (e instanceof BrokenCircuitError) return get(upstream.url, AbortSignal.timeout(200))
        throw e
      })
    using observed = observeBreaker(breaker)
    await using _outage = upstream.fault({ kind: 'blackHole' })
    for (let i = 0; i < 3 + 5; i++) await bypass().catch(() => {})
    expect(observed.states()).toEqual(['closed', 'open'])
    expect(() => expect(upstream).toHaveReceivedAtMost(0, { during: observed.windows('open') })).toThrowError(
      /upstream received 5 requests during the window \([\d,.]+ ms in all\) > 0 \(8 in its log/,
    )
  })

  it('names what it cannot observe', () => {
    expect(() => observeBreaker({} as never)).toThrowError(
      'breaker: must be a cockatiel CircuitBreakerPolicy (onStateChange) or an opossum CircuitBreaker',
    )
  })
})

// Broken client code against a real upstream on loopback: the sequence matcher must fail, and say where
// the sequence stopped and why that usually happens.
describe('.toHaveBreakerStates on broken clients', () => {
  const recovery = ['closed', 'open', 'half-open', 'closed'] as const
  const failure = (run: () => void) => {
    try {
      run()
    } catch (error) {
      return times(String(error))
    }
    throw new Error('the matcher passed')
  }

  it('fails a client whose fallback sits inside the breaker: the breaker never sees a failure, never opens', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const breaker = circuitBreaker(handleAll, { halfOpenAfter: 300, breaker: new ConsecutiveBreaker(3) })
    // The bug: the fallback is inside the policy, so every call looks like a success to the breaker.
    const call = () =>
      breaker.execute(({ signal }) =>
        get(upstream.url, AbortSignal.any([signal, AbortSignal.timeout(1_000)])).catch(() => 'cached'),
      )
    using observed = observeBreaker(breaker)
    const outage = upstream.fault({ kind: 'status', status: 503 })
    for (let i = 0; i < 8; i++) await expect(call()).resolves.toBe('cached')
    outage.heal()
    await sleep(350)
    await expect(call()).resolves.toBe(200)
    expect(upstream.count).toBe(9) // every call of the outage hammered the failing upstream
    expect(failure(() => expect(observed).toHaveBreakerStates([...recovery]))).toMatchInlineSnapshot(`
      "Error: expect(breaker).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])

      breaker went closed (0 changes over <t> ms)
      expected closed -> open -> half-open -> closed: it stopped at closed, never went open
      states at: closed +<t> ms
      Hint: it never opened: the failures never reached the breaker (caught, or a fallback, inside the policy; or a policy that does not handle those errors)"
    `)
  })

  it('fails a client that stops calling once the breaker is open: it never half-opens', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const { breaker, call: viaBreaker } = cockatielClient(upstream)
    // The bug: the first refusal marks the upstream down for good; the breaker never gets its probe call.
    let down = false
    const call = async () => {
      if (down) return 'cached'
      try {
        return await viaBreaker()
      } catch (error) {
        if (error instanceof BrokenCircuitError) down = true
        throw error
      }
    }
    using observed = observeBreaker(breaker)
    const outage = upstream.fault({ kind: 'status', status: 503 })
    for (let i = 0; i < 4; i++) await call().catch(() => {})
    outage.heal()
    await sleep(350)
    await expect(call()).resolves.toBe('cached')
    expect(upstream.count).toBe(3)
    expect(failure(() => expect(observed).toHaveBreakerStates([...recovery]))).toMatchInlineSnapshot(`
      "Error: expect(breaker).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])

      breaker went closed -> open (1 change over <t> ms)
      expected closed -> open -> half-open -> closed: it stopped at open, never went half-open
      states at: closed +<t> ms, open +<t> ms
      Hint: it never half-opened: a cockatiel breaker half-opens on the first call after halfOpenAfter (opossum: after resetTimeout), so a client that stops calling while it is open keeps it open"
    `)
  })
})

describe('observeBreaker (opossum)', () => {
  it('sees closed -> open -> half-open -> closed, with no call reaching the upstream while open', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const breaker = new CircuitBreaker((signal: AbortSignal) => get(upstream.url, signal), {
      timeout: 1_000,
      resetTimeout: 300,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
    })
    onTestFinished(() => breaker.shutdown()) // opossum keeps timers (rolling window, reset)
    using observed = observeBreaker(breaker)
    const outage = upstream.fault({ kind: 'status', status: 503 })
    for (let i = 0; i < 8; i++) await breaker.fire(AbortSignal.timeout(1_000)).catch(() => {})
    outage.heal()
    await sleep(400)
    await expect(breaker.fire(AbortSignal.timeout(1_000))).resolves.toBe(200)
    expect(observed).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])
    expect(upstream).toHaveReceivedAtMost(0, { during: observed.windows('open') })
    expect(upstream.count).toBe(4)
  })
})

describe('.not.toHaveBreakerStates', () => {
  it('passes for another sequence, fails for the same one', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    const { breaker, call } = cockatielClient(upstream)
    using observed = observeBreaker(breaker)
    await call()
    expect(observed).not.toHaveBreakerStates(['closed', 'open'])
    expect(() => expect(observed).not.toHaveBreakerStates(['closed'])).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(breaker).not.toHaveBreakerStates(['closed'])

      breaker went closed (0 changes over 0 ms), expected any other sequence
      states at: closed +0 ms]
    `)
  })
})
