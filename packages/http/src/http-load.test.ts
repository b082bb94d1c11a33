import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
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
    if (req.url === '/slow') setTimeout(() => res.end('slow'), 20)
    else res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('httpLoad', () => {
  it('reports every response in a Faultline report, p95 included', async () => {
    seen = 0
    const report = await httpLoad({ url: `${url}/slow`, connections: 5, duration: 600, name: 'slow' })
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

  it('stops after `amount` requests', async () => {
    const report = await httpLoad({ url, connections: 2, amount: 40 })
    expect(report.count).toBe(40)
    expect(report.durationMs).toBeLessThan(900) // ends at the last reply, not at autocannon's next tick
  })

  it('counts statuses >= 400 and request errors by kind', async () => {
    seen = 0
    const flaky = await httpLoad({ url: `${url}/flaky`, connections: 1, amount: 100 })
    expect(flaky.errorsByKind).toEqual({ 'HTTP 500': 25 })
    expect(flaky.errorRate).toBe(0.25)

    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const refused = await httpLoad({ url: `http://127.0.0.1:${port}/`, connections: 1, duration: 300 })
    expect(Object.keys(refused.errorsByKind)).toEqual(['ECONNREFUSED'])
    expect(refused.latency.count).toBe(0)
    // Failed requests are judged: in count and the error rate, not dropped.
    expect([refused.errorRate, refused.dropped, refused.completed]).toEqual([1, 0, refused.count])
  })

  it('passes autocannon options through for those who know them', async () => {
    const report = await httpLoad({ url, duration: 5000, autocannon: { amount: 10, connections: 1 } })
    expect(report.count).toBe(10)
  })

  it('rejects when its signal aborts', async () => {
    const controller = new AbortController()
    const run = httpLoad({ url: `${url}/slow`, duration: 10_000, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('enough')), 200)
    await expect(run).rejects.toThrowError('enough')
  })

  it('refuses a remote target without opt-in, and a run without a bound, naming the argument', async () => {
    await expect(httpLoad({ url: 'http://8.8.8.8/', duration: 100 })).rejects.toThrowError(
      'options.url: 8.8.8.8 is not a loopback or container address; Faultline loads only those unless you pass allowRemote: true',
    )
    await expect(httpLoad({ url })).rejects.toThrowError(
      'options.duration: a run needs a bound: give options.duration (ms) or options.amount (requests)',
    )
    const error = await httpLoad({ url, duration: -1 }).catch((e: unknown) => e)
    expect(isFaultlineError(error)).toBe(true)
    expect((error as Error).message).toBe('options.duration: must be a positive number, got -1')
  })
})
