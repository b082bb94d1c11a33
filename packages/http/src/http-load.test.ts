import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { isFaultlineError, LoadReport } from '@faultline/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpLoad } from './http-load.js'

let server: Server
let url: string
let seen = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    seen++
    if (req.url === '/flaky' && seen % 4 === 0) res.statusCode = 500
    if (req.url === '/missing') res.statusCode = 404
    if (req.url === '/never') return // held until afterAll closes every connection
    if (req.url === '/slow') setTimeout(() => res.end('slow'), 20)
    else res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

// A port nothing listens on: a connection to it is refused.
async function closedPort(): Promise<number> {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  return port
}

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('httpLoad, closed model (concurrency, through autocannon)', () => {
  it('reports every response in a Faultline report, p95 included', async () => {
    seen = 0
    const report = await httpLoad({ url: `${url}/slow`, concurrency: 5, duration: 600, name: 'slow' })
    expect(report.source).toBe('http')
    expect(report.unit).toBe('requests')
    expect(report.count).toBeGreaterThan(50)
    // Every request the server answered is in the histogram, give or take those cut at the end.
    expect(Math.abs(seen - report.count)).toBeLessThanOrEqual(5)
    expect(report.latency.count).toBe(report.count)
    expect(report.p50).toBeGreaterThanOrEqual(19)
    expect(report.p95).toBeGreaterThanOrEqual(report.p50)
    expect(report.errors).toBe(0)
    expect([report.dropped, report.completed, report.overran]).toEqual([0, report.count, 0])
    // Throughput over the time autocannon was sending, not its teardown.
    expect(report.activeMs).toBeLessThanOrEqual(600)
    expect(report.throughput).toBeCloseTo(report.completed / (report.activeMs / 1000), 6)
    expect(report.target).toBe(`${url}/slow`)
    expect(report.summary()).toMatch(/^load "slow" \(closed model, http, http:\/\/127\.0\.0\.1:\d+\/slow\)/)
    expect(LoadReport.fromJSON(JSON.parse(JSON.stringify(report))).p95).toBe(report.p95)
  })

  it('stops after `count` requests', async () => {
    const report = await httpLoad({ url, concurrency: 2, count: 40 })
    expect(report.count).toBe(40)
    expect(report.durationMs).toBeLessThan(900) // ends at the last reply, not at autocannon's next tick
  })

  it('counts statuses >= 400 and request errors by kind', async () => {
    seen = 0
    const flaky = await httpLoad({ url: `${url}/flaky`, concurrency: 1, count: 100 })
    expect(flaky.errorsByKind).toEqual({ 'HTTP 500': 25 })
    expect(flaky.errorRate).toBe(0.25)

    const port = await closedPort()
    const refused = await httpLoad({ url: `http://127.0.0.1:${port}/`, concurrency: 1, duration: 300 })
    expect(Object.keys(refused.errorsByKind)).toEqual(['ECONNREFUSED'])
    expect(refused.latency.count).toBe(0)
    // Failed requests are judged: in count and the error rate, not dropped.
    expect([refused.errorRate, refused.dropped, refused.completed]).toEqual([1, 0, refused.count])
  })

  it('passes autocannon options through for those who know them', async () => {
    const report = await httpLoad({ url, concurrency: 1, duration: 5000, autocannon: { amount: 10 } })
    expect(report.count).toBe(10)
  })

  it('refuses a remote target without opt-in, and a run without a bound, naming the argument', async () => {
    await expect(httpLoad({ url: 'http://8.8.8.8/', concurrency: 1, duration: 100 })).rejects.toThrowError(
      'options.url: 8.8.8.8 is not a loopback or container address; Faultline loads only those unless you pass allowRemote: true',
    )
    await expect(httpLoad({ url, concurrency: 1 })).rejects.toThrowError(
      'options.duration: a run needs a bound: give options.duration (ms) or options.count (requests)',
    )
    const error = await httpLoad({ url, concurrency: 1, duration: -1 }).catch((e: unknown) => e)
    expect(isFaultlineError(error)).toBe(true)
    expect((error as Error).message).toBe('options.duration: expected a number of ms > 0, got -1')
  })
})

describe('httpLoad, open model (rate, through undici)', () => {
  it('sends `count` arrivals at the rate and reports them as the closed model does', async () => {
    const report = await httpLoad({ url: `${url}/slow`, rate: 100, count: 50, name: 'open', seed: 3 })
    expect([report.source, report.model, report.unit]).toEqual(['http', 'open', 'requests'])
    expect(report.target).toBe(`${url}/slow`)
    expect([report.count, report.completed, report.errors, report.dropped]).toEqual([50, 50, 0, 0])
    expect(report.p50).toBeGreaterThanOrEqual(19)
    expect(report.seed).toBe(3)
    expect(report.summary()).toMatch(/^load "open" \(open model, http, http:\/\/127\.0\.0\.1:\d+\/slow\)/)
    expect(report.window(0, 1000).source).toBe('http')
    const again = LoadReport.fromJSON(JSON.parse(JSON.stringify(report)))
    expect([again.source, again.model, again.unit, again.target]).toEqual([
      'http',
      'open',
      'requests',
      report.target,
    ])
  })

  it('classifies errors with core: a status by kind, a timeout as `timeout`, a refused connection by its code', async () => {
    seen = 0
    const flaky = await httpLoad({ url: `${url}/flaky`, rate: 200, count: 100, maxInFlight: 1 })
    expect(flaky.errorsByKind).toEqual({ 'HTTP 500': 25 })
    const held = await httpLoad({ url: `${url}/never`, rate: 50, count: 5, timeout: 100 })
    expect(held.errorsByKind).toEqual({ timeout: 5 })
    // Each reached its timeout (Node's timers run on a 1 ms clock, so one may fire a fraction early).
    expect(held.min).toBeGreaterThanOrEqual(99)
    const port = await closedPort()
    const refused = await httpLoad({ url: `http://127.0.0.1:${port}/`, rate: 50, count: 5 })
    expect(refused.errorsByKind).toEqual({ ECONNREFUSED: 5 })
  })
})

describe('httpLoad, both models', () => {
  it.each([
    ['closed', { concurrency: 2 }],
    ['open', { rate: 50 }],
  ] as const)('%s: rejects when its signal aborts, once nothing is sent any more', async (_, model) => {
    const controller = new AbortController()
    const run = httpLoad({ url: `${url}/slow`, ...model, duration: 10_000, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('enough')), 200)
    await expect(run).rejects.toThrowError('enough')
    // autocannon stops at its next sample tick: the rejection waits for it, so no request follows.
    const after = seen
    await sleep(300)
    expect(seen).toBe(after)
  })

  it('count every status >= 400 as an error (core isErrorStatus), unless isError says otherwise', async () => {
    const missing = `${url}/missing`
    const closed = await httpLoad({ url: missing, concurrency: 2, count: 20 })
    const open = await httpLoad({ url: missing, rate: 200, count: 20 })
    expect(closed.errorsByKind).toEqual({ 'HTTP 404': 20 })
    expect(open.errorsByKind).toEqual({ 'HTTP 404': 20 })
    const serverErrorsOnly = (status: number) => status >= 500
    const closedOk = await httpLoad({ url: missing, concurrency: 2, count: 20, isError: serverErrorsOnly })
    const openOk = await httpLoad({ url: missing, rate: 200, count: 20, isError: serverErrorsOnly })
    expect([closedOk.errors, openOk.errors]).toEqual([0, 0])
  })

  it('asks for one model: rate or concurrency, naming the fix', async () => {
    await expect(httpLoad({ url, rate: 10, concurrency: 2, duration: 100 } as never)).rejects.toThrowError(
      'options: give either rate (open model: arrivals per second) or concurrency (closed model: connections kept busy), not both',
    )
    await expect(httpLoad({ url, duration: 100 } as never)).rejects.toThrowError(
      'options: give rate (open model: arrivals per second, latency from the intended start) or concurrency (closed model: connections kept busy, maximum throughput)',
    )
    await expect(httpLoad({ url, rate: 10, duration: 100, autocannon: {} } as never)).rejects.toThrowError(
      'options.autocannon: applies to the closed model only (concurrency); the open model (rate) runs on undici',
    )
    await expect(
      httpLoad({ url, concurrency: 1, duration: 100, maxQueued: 0 } as never),
    ).rejects.toThrowError(
      'options.maxQueued: applies to the open model only (rate); the closed model (concurrency) has no arrival queue',
    )
    await expect(httpLoad({ url, rate: -1, duration: 100 })).rejects.toThrowError(
      'options.rate: expected a number > 0, got -1',
    )
    await expect(httpLoad({ url, rate: 10 })).rejects.toThrowError(
      'options.duration: a run needs a bound: give options.duration (ms) or options.count (requests)',
    )
    await expect(httpLoad({ url: 'http://8.8.8.8/', rate: 10, duration: 100 })).rejects.toThrowError(
      'options.url: 8.8.8.8 is not a loopback or container address',
    )
  })
})
