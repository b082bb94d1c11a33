// httpLoad's two models against a real loopback server that stalls for 1 s (0.5 s to 1.5 s into the run).
// The assertions are relations between what the server did and what the report says, never wall-clock
// bounds: a slower machine changes how many requests the closed model sends, not what these show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpLoad } from './http-load.js'
import {
  STALL_END_MS,
  STALL_MS,
  STALL_START_MS,
  type StallingServer,
  startStallingServer,
} from './stalling-server.test-support.js'

const RATE = 200 // arrivals per second
const DURATION = 2_000
const ARRIVALS = (RATE * DURATION) / 1000

let server: StallingServer
beforeAll(async () => {
  server = await startStallingServer()
})
afterAll(() => server.close())

// Arrivals counted by when they were due, in [from, to) ms of the run.
const dueBetween = (
  report: { series: readonly { startMs: number; count: number }[] },
  from: number,
  to: number,
) => report.series.filter((p) => p.startMs >= from && p.startMs < to).reduce((n, p) => n + p.count, 0)

describe('httpLoad open model (rate) through a 1 s stall', () => {
  it('keeps arriving at the rate during the stall, and counts latency from the intended start', async () => {
    server.restart()
    // 10 connections: 10 requests hold the stall, the other arrivals of the stall wait in line for one.
    const report = await httpLoad({
      url: server.url,
      rate: RATE,
      duration: DURATION,
      maxInFlight: 10,
      interval: 250,
      seed: 1,
    })
    // count == rate x duration, within one arrival.
    expect(Math.abs(report.count - ARRIVALS)).toBeLessThanOrEqual(1)
    // Every quarter second, the stalled ones included, got its 50 arrivals.
    for (let from = 0; from < DURATION; from += 250) {
      expect(
        Math.abs(dueBetween(report, from, from + 250) - RATE / 4),
        `arrivals due from ${from} ms`,
      ).toBeLessThanOrEqual(1)
    }
    expect([report.dropped, report.errors]).toEqual([0, 0])
    expect(server.received).toBe(report.count)
    // An arrival due as the stall began was answered as it ended: the stall shows, whole, in p99 and max.
    expect(report.p99).toBeGreaterThanOrEqual(0.9 * STALL_MS)
    expect(report.max).toBeGreaterThanOrEqual(0.95 * STALL_MS)
    // Half the arrivals were due during the stall and waited until its end, 190 of them in line for a
    // connection: counted from when each was due, the p75 sits inside the stall (counted from when each
    // was sent, only the 10 that held a connection would be slow, and p75 would be a fast request's).
    expect(report.percentile(75)).toBeGreaterThanOrEqual(0.25 * STALL_MS)
  })

  it('drops the arrivals that find no connection free with maxQueued: 0, and counts them', async () => {
    server.restart()
    const report = await httpLoad({
      url: server.url,
      rate: RATE,
      duration: DURATION,
      maxInFlight: 20,
      maxQueued: 0,
      seed: 1,
    })
    expect(Math.abs(report.count - ARRIVALS)).toBeLessThanOrEqual(1)
    // 20 requests hold the stall; most of the stall's 200 arrivals find no connection.
    const stallArrivals = (RATE * STALL_MS) / 1000
    expect(report.dropped).toBeGreaterThan(stallArrivals / 2)
    expect(report.dropped).toBeLessThanOrEqual(stallArrivals)
    expect(report.errorsByKind).toEqual({ dropped: report.dropped })
    expect(server.received).toBe(report.count - report.dropped)
    expect(report.summary()).toContain(`${report.dropped} of ${report.count} arrivals dropped`)
  })
})

describe('coordinated omission', () => {
  it('the closed model (concurrency) hides the stall in its percentiles; the open model (rate) shows it', async () => {
    server.restart()
    const closed = await httpLoad({ url: server.url, concurrency: 2, duration: DURATION, interval: 250 })
    server.restart()
    const open = await httpLoad({ url: server.url, rate: RATE, duration: DURATION, interval: 250, seed: 1 })

    // Both met the stall: one request of each waited about the whole second...
    expect(closed.max).toBeGreaterThanOrEqual(0.9 * STALL_MS)
    expect(open.max).toBeGreaterThanOrEqual(0.9 * STALL_MS)
    // ...but the closed model stopped sending while its 2 connections waited, so the stall is 2 samples
    // among its many fast ones, while the open model kept sending, and every arrival of the stall waited.
    const inner = [STALL_START_MS + 250, STALL_END_MS - 250] as const
    expect(dueBetween(closed, ...inner)).toBeLessThanOrEqual(2)
    expect(dueBetween(open, ...inner)).toBeGreaterThanOrEqual((RATE * (inner[1] - inner[0])) / 1000 - 1)
    expect(closed.count).toBeGreaterThan(200) // enough that 2 slow samples stay under 1 %
    expect(closed.p99 * 10).toBeLessThan(open.p99)
  })
})
