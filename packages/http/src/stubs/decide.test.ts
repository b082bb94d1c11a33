// The stateful behaviours of an upstream stub: a rate limiter (buckets per key, fixed windows, 429 with
// Retry-After) and a flapping schedule with seeded jitter. The deciders are tested on given elapsed times
// (no clock); the stub is tested over real HTTP on loopback, with a window far longer than the test.
import { describe, expect, it } from 'vitest'
import type { FlappingBehaviour, SteadyBehaviour } from './behaviour.js'
import { decider } from './decide.js'
import { startUpstream } from './upstream.js'

const up: SteadyBehaviour = { kind: 'ok' }
const down: SteadyBehaviour = { kind: 'status', status: 503 }

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) })
  await res.arrayBuffer()
  return [res.status, res.headers.get('retry-after')] as const
}

describe('rateLimit', () => {
  it('answers `limit` requests per window per key, then 429 with the seconds left in the window', () => {
    const decide = decider({ kind: 'rateLimit', limit: 2, window: 10_000, key: 'X-Client' })
    const a = { 'x-client': 'a' }
    expect(decide(0, a)).toEqual(up)
    expect(decide(100, a)).toEqual(up)
    expect(decide(2_500, a)).toEqual({ kind: 'status', status: 429, retryAfter: 8 })
    expect(decide(2_600, { 'x-client': 'b' })).toEqual(up) // its own bucket
    expect(decide(9_999.5, a)).toEqual({ kind: 'status', status: 429, retryAfter: 1 })
    expect(decide(10_000, a)).toEqual(up) // a new window
  })

  it('keeps one bucket for every caller without a key, and answers within the limit as told', () => {
    const allowed: SteadyBehaviour = { kind: 'ok', body: 'hi' }
    const decide = decider({ kind: 'rateLimit', limit: 1, window: 1_000, allowed, status: 503 })
    expect(decide(0, { 'x-client': 'a' })).toBe(allowed)
    expect(decide(1, { 'x-client': 'b' })).toEqual({ kind: 'status', status: 503, retryAfter: 1 })
  })

  it('limits a real stub per API key: the key over the limit gets 429 and Retry-After, others go on', async () => {
    await using upstream = await startUpstream(
      { kind: 'rateLimit', limit: 3, window: 60_000, key: 'x-api-key' },
      { name: 'llm' },
    )
    const attacker = { 'x-api-key': 'attacker' }
    const results = []
    for (let i = 0; i < 5; i++) results.push(await get(upstream.url, attacker))
    expect(results.map(([status]) => status)).toEqual([200, 200, 200, 429, 429])
    const retryAfter = Number(results[3]?.[1])
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(await get(upstream.url, { 'x-api-key': 'user' })).toEqual([200, null])
    expect(upstream.report().errorsByKind).toEqual({ 'HTTP 429': 2 })
    // A new behaviour starts with empty buckets.
    upstream.set({ kind: 'rateLimit', limit: 1, window: 60_000, key: 'x-api-key' })
    expect((await get(upstream.url, attacker))[0]).toBe(200)
  })

  it('rejects a limiter it cannot run, naming the field', async () => {
    await expect(startUpstream({ kind: 'rateLimit', limit: 3, window: 0 })).rejects.toThrow(
      'behaviour.window: expected a number of ms > 0, got 0',
    )
    await expect(startUpstream({ kind: 'rateLimit', limit: 1.5, window: 1_000 })).rejects.toThrow(
      /^behaviour\.limit: expected an integer >= 0/,
    )
    await expect(
      startUpstream({ kind: 'rateLimit', limit: 1, window: 1_000, allowed: { kind: 'flapping' } as never }),
    ).rejects.toThrow(/^behaviour\.allowed\.kind: unknown behaviour "flapping"/)
  })
})

describe('flapping with jitter', () => {
  // Where the phase changes, scanning the first `ms` milliseconds.
  function boundaries(behaviour: FlappingBehaviour, ms = 20_000): number[] {
    const decide = decider(behaviour)
    const at: number[] = []
    let last = decide(0, {})
    for (let t = 1; t < ms; t++) {
      const phase = decide(t, {})
      if (phase !== last) at.push(t)
      last = phase
    }
    return at
  }
  const flapping = (seed: number, jitter = 200): FlappingBehaviour => ({
    kind: 'flapping',
    phases: [
      { behaviour: up, ms: 500 },
      { behaviour: down, ms: 500 },
    ],
    jitter,
    seed,
  })

  it('varies each phase by up to the jitter, the same way for the same seed', () => {
    const a = boundaries(flapping(7))
    expect(boundaries(flapping(7))).toEqual(a)
    expect(boundaries(flapping(8))).not.toEqual(a)
    const lengths = a.map((t, i) => t - (a[i - 1] ?? 0))
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(300)
    expect(Math.max(...lengths)).toBeLessThanOrEqual(701)
    expect(new Set(lengths).size).toBeGreaterThan(10) // not periodic
  })

  it('without jitter stays strictly periodic', () => {
    const at = boundaries(flapping(7, 0), 5_000)
    expect(at).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500])
  })

  it('rejects a negative jitter or a seed that is not one', async () => {
    await expect(startUpstream({ ...flapping(7), jitter: -1 })).rejects.toThrow(
      'behaviour.jitter: expected a number of ms >= 0, got -1',
    )
    await expect(startUpstream({ ...flapping(-3) })).rejects.toThrow(/^behaviour\.seed: expected an integer/)
  })
})

describe('ok with a delay distribution', () => {
  const slowTail: SteadyBehaviour = {
    kind: 'ok',
    delay: { kind: 'lognormal', median: 50, p99: 400 },
    seed: 7,
  }

  it('draws a delay per request, the same ones in turn for the same seed', () => {
    const delays = (behaviour: SteadyBehaviour) => {
      const decide = decider(behaviour)
      return Array.from({ length: 200 }, (_, i) => decide(i, {})).map((b) => (b.kind === 'ok' ? b.delay : -1))
    }
    const a = delays(slowTail)
    expect(delays(slowTail)).toEqual(a)
    expect(delays({ ...slowTail, seed: 8 })).not.toEqual(a)
    expect(a.every((d) => typeof d === 'number' && d > 0)).toBe(true)
    expect(new Set(a).size).toBe(200)
  })

  it('draws within a flapping phase and for the requests a rate limit lets through', () => {
    const decide = decider({
      kind: 'rateLimit',
      limit: 5,
      window: 60_000,
      allowed: { kind: 'ok', delay: { kind: 'uniform', min: 10, max: 20 }, seed: 1 },
    })
    const first = decide(0, {})
    expect(
      first.kind === 'ok' && typeof first.delay === 'number' && first.delay >= 10 && first.delay <= 20,
    ).toBe(true)
  })

  it('a real stub holds each answer for its drawn delay', async () => {
    await using upstream = await startUpstream({
      kind: 'ok',
      delay: { kind: 'uniform', min: 100, max: 150 },
      seed: 3,
    })
    for (let i = 0; i < 3; i++) expect((await get(upstream.url))[0]).toBe(200)
    const held = upstream.requests.map((r) => (r.endedAt ?? 0) - r.at)
    expect(Math.min(...held)).toBeGreaterThanOrEqual(99) // timers may fire a fraction of a ms early
  })

  it('rejects a distribution it cannot draw from, naming the field', async () => {
    await expect(
      startUpstream({ kind: 'ok', delay: { kind: 'lognormal', median: 50, p99: 10 } }),
    ).rejects.toThrow('behaviour.delay.p99: expected a number of ms >= 50, got 10')
  })
})
