import { setTimeout as sleep } from 'node:timers/promises'
import { FaultlineArgumentError, Timeline } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import type { UpstreamBehaviour } from './behaviour.js'
import { startUpstream } from './upstream.js'

// A fetch that always ends: the signal bounds it, whatever the upstream does.
async function get(
  url: string,
  timeoutMs = 2_000,
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  return { status: res.status, body: await res.text(), headers: res.headers }
}

describe('startUpstream', () => {
  it('answers normally and records every request', async () => {
    await using upstream = await startUpstream({ kind: 'ok', body: { answer: 42 } })
    expect(upstream.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await get(`${upstream.url}/v1/chat?x=1`)
    expect(res).toMatchObject({ status: 200, body: '{"answer":42}' })
    await get(upstream.url)
    expect(upstream.count).toBe(2)
    const [first] = upstream.requests
    expect(first).toMatchObject({
      index: 0,
      method: 'GET',
      url: '/v1/chat?x=1',
      behaviour: 'ok',
      status: 200,
    })
    expect(first?.outcome).toBe('answered')
    expect(first?.endedAt).toBeGreaterThanOrEqual(first?.at ?? Number.POSITIVE_INFINITY)
  })

  it('black hole: accepts, never answers, and records the request as abandoned when the client gives up', async () => {
    await using upstream = await startUpstream({ kind: 'black-hole' })
    const start = performance.now()
    await expect(get(upstream.url, 300)).rejects.toThrow(/aborted due to timeout/)
    expect(performance.now() - start).toBeGreaterThanOrEqual(250)
    await sleep(20)
    expect(upstream.requests[0]).toMatchObject({
      behaviour: 'black-hole',
      outcome: 'abandoned',
      status: undefined,
    })
  })

  it('status: 503, and 429 with Retry-After', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 })
    expect(await get(upstream.url)).toMatchObject({ status: 503, body: 'HTTP 503' })
    upstream.set({ kind: 'status', status: 429, retryAfter: 2 })
    const limited = await get(upstream.url)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('2')
    expect(upstream.requests.map((r) => r.status)).toEqual([503, 429])
  })

  it('slow: headers late, then the body a few bytes at a time', async () => {
    await using upstream = await startUpstream({
      kind: 'slow',
      headersAfterMs: 150,
      body: 'abcdef',
      chunkBytes: 2,
      chunkIntervalMs: 50,
    })
    const start = performance.now()
    const res = await fetch(upstream.url, { signal: AbortSignal.timeout(3_000) })
    const headersMs = performance.now() - start
    expect(await res.text()).toBe('abcdef')
    const totalMs = performance.now() - start
    expect(headersMs).toBeGreaterThanOrEqual(140)
    expect(totalMs - headersMs).toBeGreaterThanOrEqual(90) // two more chunks after the first, 50 ms apart
  })

  it('slow headers: the status line and headers trickle byte by byte', async () => {
    await using upstream = await startUpstream({
      kind: 'slow',
      trickle: 'headers',
      body: 'ok',
      chunkBytes: 16,
      chunkIntervalMs: 20,
    })
    const start = performance.now()
    const res = await fetch(upstream.url, { signal: AbortSignal.timeout(5_000) })
    const headersMs = performance.now() - start
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('ok')
    // About 100 bytes of head at 16 bytes per 20 ms: the headers alone take over 100 ms.
    expect(headersMs).toBeGreaterThanOrEqual(90)
    await sleep(20)
    expect(upstream.requests[0]).toMatchObject({ behaviour: 'slow', outcome: 'answered', status: 200 })
  })

  it('slow headers: a client with a short timeout gives up before the headers are complete', async () => {
    await using upstream = await startUpstream({ kind: 'slow', trickle: 'headers', chunkIntervalMs: 50 })
    await expect(get(upstream.url, 300)).rejects.toThrow(/aborted due to timeout/)
    await sleep(20)
    expect(upstream.requests[0]?.outcome).toBe('abandoned')
  })

  it('reset: the client sees the connection die', async () => {
    await using upstream = await startUpstream({ kind: 'reset' })
    await expect(get(upstream.url)).rejects.toThrow('fetch failed')
    expect(upstream.requests[0]?.outcome).toBe('reset')
  })

  it('flapping: follows its schedule, phase by phase', async () => {
    await using upstream = await startUpstream({
      kind: 'flapping',
      phases: [
        { behaviour: { kind: 'ok' }, ms: 200 },
        { behaviour: { kind: 'status', status: 503 }, ms: 200 },
      ],
    })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      statuses.push((await get(upstream.url)).status)
      await sleep(50)
    }
    expect(statuses).toContain(200)
    expect(statuses).toContain(503)
    expect(upstream.requests.map((r) => r.behaviour)).toContain('status')
  })

  it('a fault is recorded on the timeline and heals back to the previous behaviour', async () => {
    const timeline = new Timeline()
    await using upstream = await startUpstream({ kind: 'ok' }, { name: 'llm', timeline })
    {
      await using outage = upstream.fault({ kind: 'status', status: 500 })
      expect((await get(upstream.url)).status).toBe(500)
      expect(outage.healedAt).toBeUndefined()
    }
    expect((await get(upstream.url)).status).toBe(200)
    expect(timeline.entries()).toEqual([
      expect.objectContaining({ name: 'llm status', target: 'llm', healedAt: expect.any(Number) }),
    ])
  })

  it('close ends the connections a black hole holds, so nothing outlives the test', async () => {
    const upstream = await startUpstream({ kind: 'black-hole' })
    const pending = fetch(upstream.url).then(
      () => 'answered',
      () => 'failed',
    )
    await upstream.waitForRequests(1)
    const start = performance.now()
    await upstream.close()
    expect(await pending).toBe('failed')
    expect(performance.now() - start).toBeLessThan(1_000)
    await expect(fetch(upstream.url)).rejects.toThrow()
  })

  it('rejects bad input with a clear error', async () => {
    await expect(startUpstream({ kind: 'blackhole' } as unknown as UpstreamBehaviour)).rejects.toThrowError(
      new FaultlineArgumentError(
        'behaviour.kind',
        'unknown behaviour "blackhole"; use one of ok, black-hole, slow, status, reset, flapping',
      ),
    )
    await expect(startUpstream({ kind: 'slow', headersAfterMs: -1 })).rejects.toThrowError(
      'behaviour.headersAfterMs: must be a duration in ms >= 0, got -1',
    )
    await expect(startUpstream({ kind: 'status', status: 999 })).rejects.toThrowError(
      'behaviour.status: must be an HTTP status 100-599, got 999',
    )
    await expect(
      startUpstream({ kind: 'flapping', phases: [{ behaviour: { kind: 'ok' }, ms: 0 }] }),
    ).rejects.toThrowError('behaviour.phases[0].ms: must be a duration in ms >= 1, got 0')
    await expect(startUpstream({ kind: 'ok' }, { host: '0.0.0.0' })).rejects.toThrowError(
      'options.host: an upstream stub listens on loopback only',
    )
  })
})

describe('cleanup', () => {
  const sockets = () =>
    process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length

  it('leaves no server, socket or timer behind when the test body throws mid-request', async () => {
    const before = sockets()
    const failingTest = async () => {
      await using hole = await startUpstream({ kind: 'black-hole' })
      await using slow = await startUpstream({ kind: 'slow', body: 'x'.repeat(100), chunkIntervalMs: 1_000 })
      void fetch(hole.url).catch(() => {})
      void fetch(slow.url)
        .then((res) => res.text())
        .catch(() => {})
      await hole.waitForRequests(1)
      await slow.waitForRequests(1)
      throw new Error('the assertion failed')
    }
    await expect(failingTest()).rejects.toThrow('the assertion failed')
    // The client side sees its sockets closed on the next turns of the event loop.
    for (let i = 0; i < 50 && sockets() > before; i++) await sleep(10)
    expect(sockets()).toBeLessThanOrEqual(before)
  })
})

describe('upstream.report()', () => {
  it('turns the request log into a LoadReport tagged by behaviour', async () => {
    await using upstream = await startUpstream({ kind: 'ok', delayMs: 20 })
    for (let i = 0; i < 4; i++) await get(upstream.url)
    upstream.set({ kind: 'status', status: 503 })
    for (let i = 0; i < 2; i++) await get(upstream.url)
    const report = upstream.report()
    expect(report.count).toBe(6)
    expect(report.errors).toBe(2)
    expect(report.errorsByKind).toEqual({ 'HTTP 503': 2 })
    expect(report.tag('ok').count).toBe(4)
    expect(report.tag('ok').percentile(50)).toBeGreaterThanOrEqual(15)
  })
})
