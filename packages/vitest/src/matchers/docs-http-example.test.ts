// The examples of docs/http.md. Each region below is shown verbatim on that page, and the last test
// checks it still is, so the docs cannot drift from code that runs.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { httpLoad, startUpstream } from '@faultline/http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import '../setup.js'
import { expectPageShowsRegions } from './docs-regions.test-support.js'

// "Your app": a loopback server whose endpoints take a few milliseconds.
let app: Server
let baseUrl = ''
beforeAll(async () => {
  app = createServer((_req, res) => {
    void sleep(2).then(() => res.end('ok'))
  })
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`
})
afterAll(async () => {
  app.closeAllConnections()
  await new Promise((resolve) => app.close(resolve))
})

// "Your app": a checkout that charges a payment provider and retries a 503 once.
function createCheckout(options: { paymentsUrl: string }) {
  const charge = (orderId: string) =>
    fetch(`${options.paymentsUrl}/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId }),
      signal: AbortSignal.timeout(2_000),
    })
  return {
    async pay(orderId: string): Promise<void> {
      let res = await charge(orderId)
      if (res.status === 503) {
        await res.arrayBuffer()
        res = await charge(orderId)
      }
      await res.arrayBuffer()
      if (!res.ok) throw new Error(`payments HTTP ${res.status}`)
    },
  }
}

describe('docs/http.md', () => {
  // #region open-model
  test('orders keep their SLO at 200 requests a second', async () => {
    // Open model: 200 arrivals a second for 2 s, whatever the service does; latency from when each was due.
    const report = await httpLoad({ url: `${baseUrl}/orders`, rate: 200, duration: 2_000, timeout: 2_000 })

    console.log(report.summary())
    expect(report).toMeetSLO({ p95: 1_000, errorRate: 0.01 })
    expect(report.dropped).toBe(0)
  })
  // #endregion open-model

  // #region closed-model
  test('the health endpoint serves at least 100 requests a second', async () => {
    // Closed model: 20 connections, each sending its next request as soon as the last is answered.
    const report = await httpLoad({ url: `${baseUrl}/health`, concurrency: 20, duration: 2_000 })

    expect(report).toHaveThroughputAtLeast(100)
  })
  // #endregion closed-model

  // #region upstream-fault
  test('checkout retries a 503 from the payment provider once, not more', async () => {
    await using payments = await startUpstream({ kind: 'ok', body: { paid: true } }, { name: 'payments' })
    const checkout = createCheckout({ paymentsUrl: payments.url })

    {
      await using _outage = payments.fault({ kind: 'status', status: 503, retryAfter: 1 })
      await expect(checkout.pay('order-1')).rejects.toThrow('payments HTTP 503')
    } // healed here: the provider answers 200 again

    await checkout.pay('order-2')
    expect(payments.requests.map((r) => [r.method, r.url, r.status])).toEqual([
      ['POST', '/charges', 503],
      ['POST', '/charges', 503],
      ['POST', '/charges', 200],
    ])
    expect(payments).toHaveReceivedAtMost(3) // one retry per failed charge: no retry storm
    expect(payments.report().errorsByKind).toEqual({ 'HTTP 503': 2 })
  })
  // #endregion upstream-fault

  test('shows these examples verbatim', () => {
    expectPageShowsRegions('docs/http.md', import.meta.url, ['open-model', 'closed-model', 'upstream-fault'])
  })
})
