import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { load } from './load.js'

// A real HTTP server on loopback that freezes for one second: every request that arrives between
// 0.5 s and 1.5 s after `freezeFrom` is set is answered at 1.5 s, as in a stop-the-world GC pause.
let server: Server
let url: string
let t0 = 0
const FREEZE_START = 500
const FREEZE_END = 1500

beforeAll(async () => {
  server = createServer((_req, res) => {
    const t = performance.now() - t0
    const reply = () => res.end('ok')
    if (t >= FREEZE_START && t < FREEZE_END) setTimeout(reply, FREEZE_END - t)
    else reply()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const get = async ({ signal }: { signal: AbortSignal }) => {
  const res = await fetch(url, { signal })
  await res.text()
}

describe('a server that freezes for a second', () => {
  it('shows in the open model: the rate holds and p99 is the stall', async () => {
    t0 = performance.now()
    const report = await load(get, { rate: 200, duration: 2000 })
    expect(report.count).toBe(400) // every arrival is judged, frozen or not (drops included)
    expect(report.errors).toBe(0)
    // Half the arrivals fall in the freeze and wait up to 1 s, measured from when they were due.
    expect(report.p99).toBeGreaterThanOrEqual(800)
    expect(report.p50).toBeGreaterThanOrEqual(10)
  })

  it('hides in the closed model: the caller waits, so one call sees it and p99 stays low', async () => {
    t0 = performance.now()
    const report = await load(get, { concurrency: 1, duration: 2000 })
    expect(report.max).toBeGreaterThanOrEqual(800) // the stall is there, in one call...
    expect(report.count).toBeGreaterThan(150) // ...buried under the calls made while the server was fine
    expect(report.p99).toBeLessThan(400)
  })
})
