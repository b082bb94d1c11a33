// Every load matcher against real HTTP servers on loopback: it passes on a fast target and fails, with a
// quantified message, on a slow or failing one. Margins are wide: this runs on a shared 2-core machine
// that is at times 10x slower, so a fast answer (a few ms) must stay far under BUDGET_MS even then, and
// the slow servers really sleep SLOW_MS, always above it.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { isFaultlineError, type LoadReport, load } from '@faultline/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

const BUDGET_MS = 1_000
const SLOW_MS = 1_500

async function serve(handler: (count: number) => Promise<number>): Promise<{ server: Server; url: string }> {
  let count = 0
  const server = createServer((_req, res) => {
    void handler(count++).then((status) => {
      res.statusCode = status
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

const get =
  (url: string) =>
  async ({ signal }: { signal: AbortSignal }) => {
    const res = await fetch(url, { signal })
    await res.arrayBuffer()
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { code: `HTTP ${res.status}` })
  }

const servers: Server[] = []
let fast: LoadReport
let slow: LoadReport
let failing: LoadReport
let tail: LoadReport

beforeAll(async () => {
  const targets = await Promise.all([
    serve(async () => 200),
    serve(async () => {
      await sleep(SLOW_MS)
      return 200
    }),
    serve(async (n) => (n % 5 === 0 ? 500 : 200)), // 20 % of requests fail
    // A slow path: one request in 10 really sleeps (a cache miss going to a slow backend).
    serve(async (n) => {
      if (n % 10 === 9) await sleep(SLOW_MS)
      return 200
    }),
  ])
  servers.push(...targets.map((t) => t.server))
  const [f, s, e, t] = targets.map((t) => t.url) as [string, string, string, string]
  // Open model for the fast and failing servers: 300 and 200 calls however busy the machine is (4 users
  // in a closed model made 94 calls in a second while other suites ran).
  fast = await load(get(f), { rate: 200, duration: 1_500, name: 'fast' })
  slow = await load(get(s), { concurrency: 100, duration: 1_000, name: 'slow' })
  failing = await load(get(e), { rate: 200, duration: 1_000, name: 'failing' })
  // 200 calls whatever the machine's speed: enough for p99 (100), 20 of them slow.
  tail = await load(get(t), { concurrency: 20, count: 200, name: 'tail' })
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

describe('load matchers on real HTTP servers', () => {
  it('measured what the servers do', () => {
    expect(fast.count).toBeGreaterThan(100)
    expect(slow.count).toBeGreaterThanOrEqual(100)
    expect(slow.min).toBeGreaterThanOrEqual(SLOW_MS - 10)
    expect(failing.errorsByKind).toEqual({ 'HTTP 500': expect.any(Number) })
  })

  it('toHavePercentileBelow / toHaveP95Below: passes fast, fails slow', () => {
    expect(fast).toHaveP95Below(BUDGET_MS)
    expect(fast).toHavePercentileBelow(99, BUDGET_MS)
    expect(() => expect(slow).toHaveP95Below(BUDGET_MS)).toThrowError(
      /^expect\(report\)\.toHaveP95Below\(1000\)\n\np95 [\d,]+ ms > 1,000 ms over [\d,]+ calls \(floor 20, window [\d.]+-[\d.]+ s, seed \d+\)/,
    )
    expect(slow).not.toHaveP50Below(BUDGET_MS)
  })

  it('toHaveP50Below: passes fast, fails a server that really sleeps on every request', () => {
    expect(fast).toHaveP50Below(BUDGET_MS)
    expect(() => expect(slow).toHaveP50Below(BUDGET_MS)).toThrowError(
      /^expect\(report\)\.toHaveP50Below\(1000\)\n\np50 [\d,]+ ms > 1,000 ms over [\d,]+ calls \(floor 10, window [\d.]+-[\d.]+ s, seed \d+\)/,
    )
  })

  it('toHaveP99Below / toHavePercentileBelow: a slow path on 1 request in 10 passes p50, fails p95 and p99', () => {
    expect(tail.count).toBe(200)
    expect(tail).toHaveP50Below(BUDGET_MS)
    expect(tail).toHavePercentileBelow(80, BUDGET_MS)
    expect(() => expect(tail).toHaveP99Below(BUDGET_MS)).toThrowError(
      /^expect\(report\)\.toHaveP99Below\(1000\)\n\np99 [\d,]+ ms > 1,000 ms over 200 calls \(floor 100, window [\d.]+-[\d.]+ s, seed \d+\)/,
    )
    expect(() => expect(tail).toHavePercentileBelow(95, BUDGET_MS)).toThrowError(
      /^expect\(report\)\.toHavePercentileBelow\(95, 1000\)\n\np95 [\d,]+ ms > 1,000 ms over 200 calls \(floor 20, /,
    )
    // The fast server, same budgets: the slow path is what fails them.
    expect(fast).toHaveP99Below(BUDGET_MS)
    expect(fast).toHavePercentileBelow(95, BUDGET_MS)
  })

  it('toHaveErrorRateBelow: passes fast, fails failing', () => {
    expect(fast).toHaveErrorRateBelow(0.01)
    expect(() => expect(failing).toHaveErrorRateBelow(0.01)).toThrowError(
      /error rate (19|20|21)(\.\d+)? % > 1 %: [\d,]+ errors in [\d,]+ calls .*\nHint: errors by kind: HTTP 500 [\d,]+$/,
    )
  })

  it('toHaveThroughputAtLeast: passes fast, fails slow', () => {
    expect(fast).toHaveThroughputAtLeast(30)
    expect(() => expect(slow).toHaveThroughputAtLeast(1000)).toThrowError(
      /throughput [\d.,]+\/s < 1,000\/s: /,
    )
  })

  it('toMeetSLO: passes fast, fails slow and failing listing each breached line', () => {
    const slo = { p95: BUDGET_MS, p99: BUDGET_MS, errorRate: 0.01, throughput: 30 }
    expect(fast).toMeetSLO(slo)
    expect(() => expect(slow).toMeetSLO(slo)).toThrowError(
      /✗ p95 [\d,]+ ms > 1,000 ms \([\d,]+ samples, floor 20\)\n {2}✗ p99 [\d,]+ ms > 1,000 ms \([\d,]+ samples, floor 100\)\n {2}✓ error rate 0 % <= 1 %/,
    )
    expect(() => expect(failing).toMeetSLO(slo)).toThrowError(/✗ error rate/)
  })

  it('a server that stalls: arrivals dropped at the in-flight limit fail the error rate, p95 and the SLO', async () => {
    // Every request that arrives in the first second waits until that second is over; with 20 in flight
    // the open model drops the rest (maxQueued: 0), as a service behind a full queue would.
    let stallUntil = 0
    const stalled = await serve(async () => {
      await sleep(Math.max(0, stallUntil - Date.now()))
      return 200
    })
    servers.push(stalled.server)
    stallUntil = Date.now() + 1_000
    const report = await load(get(stalled.url), {
      rate: 200,
      duration: 2_000,
      maxInFlight: 20,
      maxQueued: 0,
      seed: 5,
    })
    expect(report.dropped).toBeGreaterThan(50)
    expect(() => expect(report).toHaveErrorRateBelow(0.01)).toThrowError(
      /^expect\(report\)\.toHaveErrorRateBelow\(0\.01\)\n\nerror rate [\d.]+ % > 1 %: [\d,]+ errors in [\d,]+ calls .*\n[\d,]+ of [\d,]+ arrivals dropped \(counted as errors\)\nHint: errors by kind: dropped [\d,]+/,
    )
    expect(() => expect(report).toHaveP95Below(BUDGET_MS)).toThrowError(
      /p95 unbounded > 1,000 ms over [\d,]+ calls .*\n[\d,]+ of [\d,]+ arrivals dropped \(counted above the budget\)/,
    )
    expect(() => expect(report).toMeetSLO({ errorRate: 0.01, throughput: 100 })).toThrowError(
      /✗ error rate [\d.]+ % > 1 %/,
    )
  })

  it('refuses to judge a run with too few samples', async () => {
    const tiny = await load(get(urlOf(servers[0]!)), { concurrency: 1, count: 10 })
    try {
      expect(tiny).toHaveP99Below(BUDGET_MS)
      expect.unreachable()
    } catch (error) {
      expect(isFaultlineError(error) && error.code).toBe('TOO_FEW_SAMPLES')
    }
  })
})

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}
