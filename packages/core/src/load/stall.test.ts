import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { load } from './load.js'
import { type StallingServer, startStallingServer } from './stalling-server.test-support.js'

// A real HTTP server on loopback that stalls from 0.5 s to 1.5 s after `server.restart()`.
let server: StallingServer
beforeAll(async () => {
  server = await startStallingServer()
})
afterAll(() => server.close())
const get = (context: { signal: AbortSignal }) => server.get(context)

describe('a server that freezes for a second', () => {
  it('shows in the open model: the rate holds and p99 is the stall', async () => {
    server.restart()
    const report = await load(get, { rate: 200, duration: 2000 })
    expect(report.count).toBe(400) // every arrival is judged, frozen or not (drops included)
    expect(report.errors).toBe(0)
    // Half the arrivals fall in the freeze and wait up to 1 s, measured from when they were due.
    expect(report.p99).toBeGreaterThanOrEqual(800)
    expect(report.p50).toBeGreaterThanOrEqual(10)
  })

  it('hides in the closed model: the caller waits, so one call sees it and p99 stays low', async () => {
    server.restart()
    const report = await load(get, { concurrency: 1, duration: 2000 })
    expect(report.max).toBeGreaterThanOrEqual(800) // the stall is there, in one call...
    expect(report.count).toBeGreaterThan(150) // ...buried under the calls made while the server was fine
    expect(report.p99).toBeLessThan(400)
  })
})
