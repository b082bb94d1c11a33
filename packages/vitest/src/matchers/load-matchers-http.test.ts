// Every load matcher against real HTTP servers on loopback: it passes on a fast target and fails, with a
// quantified message, on a slow or failing one. Margins are wide: this runs on a shared 2-core machine.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { isFaultlineError, type LoadReport, load } from '@faultline/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

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

beforeAll(async () => {
  const targets = await Promise.all([
    serve(async () => 200),
    serve(async () => {
      await sleep(600)
      return 200
    }),
    serve(async (n) => (n % 5 === 0 ? 500 : 200)), // 20 % of requests fail
  ])
  servers.push(...targets.map((t) => t.server))
  const [f, s, e] = targets.map((t) => t.url) as [string, string, string]
  fast = await load(get(f), { concurrency: 4, duration: 1000, name: 'fast' })
  slow = await load(get(s), { concurrency: 100, duration: 1200, name: 'slow' })
  failing = await load(get(e), { concurrency: 4, duration: 1000, name: 'failing' })
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

describe('load matchers on real HTTP servers', () => {
  it('measured what the servers do', () => {
    expect(fast.count).toBeGreaterThan(200)
    expect(slow.count).toBeGreaterThanOrEqual(100)
    expect(slow.p50).toBeGreaterThanOrEqual(590)
    expect(failing.errorsByKind).toEqual({ 'HTTP 500': expect.any(Number) })
  })

  it('toHavePercentileBelow / toHaveP95Below: passes fast, fails slow', () => {
    expect(fast).toHaveP95Below(250)
    expect(fast).toHavePercentileBelow(99, 500)
    expect(() => expect(slow).toHaveP95Below(250)).toThrowError(
      /^expect\(report\)\.toHaveP95Below\(250\)\n\np95 [\d,]+ ms > 250 ms over [\d,]+ calls \(floor 20, window [\d.]+-[\d.]+ s, seed \d+\)/,
    )
    expect(slow).not.toHaveP50Below(250)
  })

  it('toHaveErrorRateBelow: passes fast, fails failing', () => {
    expect(fast).toHaveErrorRateBelow(0.01)
    expect(() => expect(failing).toHaveErrorRateBelow(0.01)).toThrowError(
      /error rate (19|20|21)(\.\d+)? % > 1 %: [\d,]+ errors in [\d,]+ calls .*\nHint: errors by kind: HTTP 500 [\d,]+$/,
    )
  })

  it('toHaveThroughputAtLeast: passes fast, fails slow', () => {
    expect(fast).toHaveThroughputAtLeast(100)
    expect(() => expect(slow).toHaveThroughputAtLeast(1000)).toThrowError(
      /throughput [\d.,]+\/s < 1,000\/s: /,
    )
  })

  it('toMeetSLO: passes fast, fails slow and failing listing each breached line', () => {
    const slo = { p95: 250, p99: 500, errorRate: 0.01, throughput: 300 }
    expect(fast).toMeetSLO(slo)
    expect(() => expect(slow).toMeetSLO(slo)).toThrowError(
      /✗ p95 [\d,]+ ms > 250 ms \([\d,]+ samples, floor 20\)\n {2}✗ p99 [\d,]+ ms > 500 ms \([\d,]+ samples, floor 100\)\n.*\n {2}✗ throughput/,
    )
    expect(() => expect(failing).toMeetSLO(slo)).toThrowError(/✗ error rate/)
  })

  it('refuses to judge a run with too few samples', async () => {
    const tiny = await load(get(urlOf(servers[0]!)), { concurrency: 1, count: 10 })
    try {
      expect(tiny).toHaveP99Below(1000)
      expect.unreachable()
    } catch (error) {
      expect(isFaultlineError(error) && error.code).toBe('TOO_FEW_SAMPLES')
    }
  })
})

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}
