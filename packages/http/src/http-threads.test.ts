// httpLoad spread over worker threads is one run: the open model's arrivals are the one-thread run's
// (one seeded schedule, shared out), the closed model's connections are shared out, one report comes back.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { constantRate, poissonArrivals } from '@faultline/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { httpLoad } from './http-load.js'

let server: Server
let url = ''

beforeAll(async () => {
  let n = 0
  // Every 10th request the server receives answers 503, whichever thread sent it.
  server = createServer((_req, res) => {
    res.statusCode = ++n % 10 === 0 ? 503 : 200
    setTimeout(() => res.end('ok'), 1)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  url = `http://127.0.0.1:${address.port}/`
})

afterAll(() => {
  server.close()
})

describe('httpLoad on threads', () => {
  test('the open model on 2 threads sends exactly the arrivals of one thread', async () => {
    const options = { url, rate: poissonArrivals(constantRate(300)), duration: 1_000, seed: 11 }
    const one = await httpLoad(options)
    const two = await httpLoad({ ...options, threads: 2 })
    expect(two.count).toBe(one.count)
    expect(two.errorsByKind).toEqual({ 'HTTP 503': expect.any(Number) })
    // The server's every 10th of these consecutive requests, whatever its counter's phase.
    expect(two.errors).toBeGreaterThanOrEqual(Math.floor(two.count / 10))
    expect(two.errors).toBeLessThanOrEqual(Math.ceil(two.count / 10))
    expect([two.source, two.unit, two.seeds, two.runs]).toEqual(['http', 'requests', [11], 2])
  }, 30_000)

  test('the closed model on 2 threads runs the count over shared-out connections', async () => {
    const report = await httpLoad({ url, concurrency: 4, count: 200, threads: 2 })
    expect([report.count, report.model]).toEqual([200, 'closed'])
    expect(report.errorsByKind).toEqual({ 'HTTP 503': 20 })
  }, 30_000)

  test.each([
    [
      { rate: 10, duration: 100, threads: 2, isError: () => false },
      /options.isError: a function does not cross to worker threads/,
    ],
    [
      { concurrency: 2, duration: 100, threads: 2, autocannon: { workers: 2 } },
      /options.autocannon: autocannon's own options are not shared out over threads/,
    ],
    [
      { concurrency: 1, duration: 100, threads: 2 },
      /options.threads: 2 threads for a concurrency of 1: give at most 1 threads/,
    ],
    [{ rate: 10, count: 1, threads: 2 }, /options.threads: 2 threads for a count of 1/],
    [{ rate: 10, duration: 100, threads: 1.5 }, /options.threads: expected an integer >= 1, got 1.5/],
  ])('refuses %j, naming the option and the fix', async (options, message) => {
    await expect(httpLoad({ url, ...options } as never)).rejects.toThrow(message)
  })
})
