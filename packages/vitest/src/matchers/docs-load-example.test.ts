// The examples of docs/load.md (HTTP load has its own page, tested in docs-http-example.test.ts). Each region below is shown verbatim on that page, and the last test
// checks it still is, so the docs cannot drift from code that runs.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { constantRate, load, poissonArrivals, rampRate, rampUsers, ratePhases } from '@faultline/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import '../setup.js'
import { expectPageShowsRegions } from './docs-regions.test-support.js'

// "Your app": a loopback server whose endpoints take a few milliseconds.
let app: Server
let baseUrl = ''
beforeAll(async () => {
  app = createServer((req, res) => {
    void sleep(req.url === '/login' ? 8 : 2).then(() => res.end('ok'))
  })
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`
})
afterAll(async () => {
  app.closeAllConnections()
  await new Promise((resolve) => app.close(resolve))
})

describe('docs/load.md', () => {
  // #region ramp-users
  test('checkout keeps its SLO while ramping to 50 users', async () => {
    const checkout = async ({ signal }: { signal: AbortSignal }) => {
      const res = await fetch(`${baseUrl}/checkout`, { signal })
      await res.arrayBuffer()
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
    }

    // Closed model: ramp from 0 to 50 users over 2 s, then hold 50 users for 1 s.
    const report = await load(checkout, {
      concurrency: ratePhases(rampUsers(0, 50, 2_000), constantRate(50, 1_000)),
      seed: 42,
    })

    console.log(report.summary())
    expect(report).toHaveP95Below(1_000)
    expect(report).toMeetSLO({ p95: 1_000, p99: 2_000, errorRate: 0.01, throughput: 100 })
  })
  // #endregion ramp-users

  // #region open-mix
  test('each kind of request keeps its own budget under a Poisson ramp', async () => {
    const call =
      (path: string) =>
      async ({ signal }: { signal: AbortSignal }) => {
        const res = await fetch(`${baseUrl}${path}`, { signal })
        await res.arrayBuffer()
        if (!res.ok) throw new Error(`HTTP ${res.status}`)
      }

    // Open model: arrivals ramp from 50/s to 300/s over 2 s, Poisson-distributed; 10 % login, 90 % read.
    const report = await load(
      [
        { tag: 'login', weight: 10, run: call('/login') },
        { tag: 'read', weight: 90, run: call('/read') },
      ],
      { rate: poissonArrivals(rampRate(50, 300, 2_000)), seed: 7, timeout: 2_000 },
    )

    expect(report.tag('login')).toHaveP50Below(1_000)
    expect(report.tag('read')).toMeetSLO({ p95: 1_000, errorRate: 0.01 })
    expect(report.dropped).toBe(0)
  })
  // #endregion open-mix

  test('shows these examples verbatim', () => {
    expectPageShowsRegions('docs/load.md', import.meta.url, ['ramp-users', 'open-mix'])
  })
})
