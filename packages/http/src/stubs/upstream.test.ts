import { setTimeout as sleep } from 'node:timers/promises'
import { FaultlineArgumentError, isActiveFault, isFaultlineError, now, Timeline } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import type { UpstreamBehaviour } from './behaviour.js'
import { startUpstream, UpstreamFault } from './upstream.js'

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
    await using upstream = await startUpstream({ kind: 'blackHole' })
    const start = performance.now()
    await expect(get(upstream.url, 300)).rejects.toThrow(/aborted due to timeout/)
    expect(performance.now() - start).toBeGreaterThanOrEqual(250)
    await sleep(20)
    expect(upstream.requests[0]).toMatchObject({
      behaviour: 'blackHole',
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
      headersAfter: 150,
      body: 'abcdef',
      chunkBytes: 2,
      chunkInterval: 50,
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
      chunkInterval: 20,
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
    await using upstream = await startUpstream({ kind: 'slow', trickle: 'headers', chunkInterval: 50 })
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
    let held: UpstreamFault | undefined
    {
      await using outage = upstream.fault({ kind: 'status', status: 500 })
      held = outage
      expect((await get(upstream.url)).status).toBe(500)
      expect([outage.name, outage.target, outage.active, outage.healedAt]).toEqual([
        'llm status',
        'llm',
        true,
        undefined,
      ])
    }
    expect((await get(upstream.url)).status).toBe(200)
    expect(held.active).toBe(false)
    expect(held.healedAt).toBeGreaterThanOrEqual(held.startedAt)
    expect(timeline.entries()).toEqual([
      expect.objectContaining({
        name: 'llm status',
        target: 'llm',
        startedAt: held.startedAt,
        healedAt: held.healedAt,
      }),
    ])
  })

  it("a fault is an ActiveFault: heal() resolves once healed, idempotent, on core's clock", async () => {
    await using upstream = await startUpstream({ kind: 'ok' }, { name: 'llm' })
    const timeline = new Timeline()
    const before = now()
    const outage = upstream.fault({ kind: 'blackHole' }, { name: 'llm down', timeline })
    expect(isActiveFault(outage)).toBe(true)
    expect(outage).toBeInstanceOf(UpstreamFault)
    expect(outage.startedAt).toBeGreaterThanOrEqual(before)
    expect(outage.startedAt).toBeLessThanOrEqual(now())
    expect(upstream.behaviour).toEqual({ kind: 'blackHole' })
    await outage.heal()
    const healedAt = outage.healedAt
    await outage.heal()
    expect(outage.healedAt).toBe(healedAt)
    expect(upstream.behaviour).toEqual({ kind: 'ok' })
    expect(timeline.entries()).toEqual([
      expect.objectContaining({ name: 'llm down', target: 'llm', healedAt }),
    ])
  })

  it('waitForRequests gives up after its timeout, saying how many arrived', async () => {
    await using upstream = await startUpstream({ kind: 'ok' }, { name: 'llm' })
    await get(upstream.url)
    await upstream.waitForRequests(1, { timeout: 0 })
    const error = await upstream.waitForRequests(2, { timeout: 50 }).catch((e: unknown) => e)
    expect(isFaultlineError(error) && error.code).toBe('UPSTREAM_WAIT_TIMEOUT')
    expect((error as Error).message).toMatch(/^llm received 1 of 2 requests within 50 ms; /)
    await expect(upstream.waitForRequests(2, { timeout: -1 })).rejects.toThrowError(
      'options.timeout: expected a number of ms >= 0, got -1',
    )
  })

  it('close ends the connections a black hole holds, so nothing outlives the test', async () => {
    const upstream = await startUpstream({ kind: 'blackHole' })
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
        'unknown behaviour "blackhole"; use one of ok, blackHole, slow, status, reset, flapping, rateLimit',
      ),
    )
    await expect(startUpstream({ kind: 'slow', headersAfter: -1 })).rejects.toThrowError(
      'behaviour.headersAfter: expected a number of ms >= 0, got -1',
    )
    await expect(startUpstream({ kind: 'status', status: 999 })).rejects.toThrowError(
      'behaviour.status: expected an integer from 100 to 599, got 999',
    )
    await expect(
      startUpstream({ kind: 'flapping', phases: [{ behaviour: { kind: 'ok' }, ms: 0 }] }),
    ).rejects.toThrowError('behaviour.phases[0].ms: expected a number of ms >= 1, got 0')
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
      await using hole = await startUpstream({ kind: 'blackHole' })
      await using slow = await startUpstream({ kind: 'slow', body: 'x'.repeat(100), chunkInterval: 1_000 })
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
    await using upstream = await startUpstream({ kind: 'ok', delay: 20 })
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

  it('counts every status >= 400 as an error by default, a 404 included (core isErrorStatus)', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 404 })
    for (let i = 0; i < 3; i++) await get(upstream.url)
    expect(upstream.report().errorsByKind).toEqual({ 'HTTP 404': 3 })
    // A test whose client expects 404s says so.
    expect(upstream.report({ isError: (status) => status >= 500 }).errors).toBe(0)
  })
})
