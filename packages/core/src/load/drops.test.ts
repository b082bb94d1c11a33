import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { load } from './load.js'
import { LoadReport } from './report.js'

import { type StallingServer, startStallingServer } from './stalling-server.test-support.js'

// A real HTTP server on loopback that stalls from 0.5 s to 1.5 s after `server.restart()`.
let server: StallingServer
beforeAll(async () => {
  server = await startStallingServer()
})
afterAll(() => server.close())
const get = (context: { signal: AbortSignal }) => server.get(context)

// 200 arrivals/s for 2 s: 400 arrivals, half of them during the stall.
const ARRIVALS = 400
const stalled = (extra: { maxQueued?: number } = {}) => {
  server.restart()
  return load(get, { rate: 200, duration: 2000, maxInFlight: 20, seed: 1, ...extra })
}

describe('no arrival vanishes when maxInFlight is reached', () => {
  it('arrivals wait for a slot, and their latency counts from when they were due', async () => {
    const report = await stalled()
    // Every arrival is judged: none is left out of count, and so of errorRate.
    expect(report.count).toBe(ARRIVALS)
    expect(report.ok + report.errors).toBe(ARRIVALS)
    expect(report.latency.count + report.dropped).toBe(ARRIVALS)
    expect(report.completed).toBe(ARRIVALS - report.dropped)
    // The wait shows in the latency: the arrivals of the stall waited up to 1 s.
    expect(report.p99).toBeGreaterThanOrEqual(800)
    expect(report.dropped).toBe(0)
  })

  it('past maxQueued, an arrival is a failure of kind `dropped`, in the error rate and the summary', async () => {
    const report = await stalled({ maxQueued: 50 })
    expect(report.count).toBe(ARRIVALS)
    expect(report.dropped).toBeGreaterThan(50)
    expect(report.errorsByKind.dropped).toBe(report.dropped)
    expect(report.errors).toBeGreaterThanOrEqual(report.dropped)
    expect(report.errorRate).toBeGreaterThanOrEqual(report.dropped / ARRIVALS)
    expect(report.errorRate).toBe(report.errors / report.count)
    expect(report.latency.count).toBe(ARRIVALS - report.dropped)
    expect(report.summary()).toContain(`${report.dropped} of ${ARRIVALS} arrivals dropped`)
    // The drops are in the series, in windows and in the JSON.
    expect(report.series.reduce((n, p) => n + p.dropped, 0)).toBe(report.dropped)
    const stall = report.window(0, 2000)
    expect([stall.count, stall.dropped, stall.errorRate]).toEqual([
      ARRIVALS,
      report.dropped,
      report.errorRate,
    ])
    const again = LoadReport.fromJSON(JSON.parse(JSON.stringify(report)))
    expect([again.count, again.dropped, again.completed, again.errorRate]).toEqual([
      report.count,
      report.dropped,
      report.completed,
      report.errorRate,
    ])
    expect(again.toJSON()).toEqual(report.toJSON())
  })
})

describe('arrivals still waiting when the run ends', () => {
  it('are dropped, not forgotten', async () => {
    const report = await load(() => new Promise(() => {}), {
      rate: 100,
      duration: 300,
      maxInFlight: 5,
      gracefulStop: 100,
    })
    expect(report.count).toBe(30)
    expect(report.errorsByKind).toEqual({ dropped: 25, unfinished: 5 })
    expect(report.errorRate).toBe(1)
    expect(report.summary()).toContain('25 of 30 arrivals dropped')
  })

  it('rejects a bad maxQueued, naming it', async () => {
    await expect(load(() => undefined, { rate: 10, duration: 100, maxQueued: -1 })).rejects.toThrowError(
      'options.maxQueued: expected an integer >= 0, got -1',
    )
  })
})
