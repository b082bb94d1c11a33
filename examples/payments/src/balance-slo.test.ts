import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { redisContainer } from '@faultline/containers'
import { faultImpact, type LoadReport, load, Timeline } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import { readChartData } from '@faultline/vitest/matchers'
import { Redis } from 'ioredis'
import pg from 'pg'
import { type BalanceOptions, balance } from './payments.js'

// 100 balance reads per second for 4 s (open model: latency counted from when each read should have
// started), with the cache stopped for about 1.5 s in the middle.
async function readsThroughCacheOutage(postgresUrl: string, options: BalanceOptions): Promise<LoadReport> {
  await using cache = await redisContainer().start('balance-cache') // a Redis of this test's own, to break
  const client = new Redis(cache.url, {
    lazyConnect: true,
    commandTimeout: 100,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  })
  client.on('error', () => {})
  await client.connect()
  const db = new pg.Pool({ connectionString: postgresUrl, max: 4 }) // concurrent reads need a pool
  try {
    const timeline = new Timeline()
    let n = 0
    const run = load(() => balance(db, client, (n++ % 2) + 1, options), {
      rate: 100,
      duration: 4_000,
      interval: 250,
      timeline,
      seed: 1,
    })
    await sleep(1_000)
    const stopped = await cache.stop({ timeline, timeout: 500 })
    await sleep(1_000)
    await stopped.heal() // starts it and waits until Redis answers
    return await run
  } finally {
    client.disconnect()
    await db.end()
  }
}

// The budget is relative to this machine: what reads cost before the outage (the first second), plus the
// cache's command timeout that a read may wait out before it falls back to PostgreSQL. A fixed number of
// ms would fail a slow CI machine and pass a broken fallback on a fast one.
function balanceSLO(report: LoadReport) {
  return { p95: 100 + 5 * report.window(0, 1_000).p95, errorRate: 0.01 }
}

test('balance reads keep their SLO through a cache outage', async ({ postgres }) => {
  const report = await readsThroughCacheOutage(postgres.url, { fallback: true })
  console.log(report.summary())
  expect(report).toMeetSLO(balanceSLO(report))
  expect(report.during('balance-cache stopped')).toHaveErrorRateBelow(0.01)
  expect(faultImpact(report, 'balance-cache stopped').recoveryMs).toBe(0)
})

// The naive read the audit found: no fallback, so the cache outage is an outage of the API. The SLO fails,
// and its chart (named at the end of the message, and in reports/faultline.html with the Faultline
// reporter) shows why: the errors sit inside the shaded "balance-cache stopped" window.
test('without a fallback, the cache outage fails the SLO, and the chart shows the errors inside it', async ({
  postgres,
}) => {
  const report = await readsThroughCacheOutage(postgres.url, { fallback: false })
  let message = ''
  try {
    expect(report).toMeetSLO(balanceSLO(report))
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive read would see
  expect(message).toMatch(/✗ error rate [\d.]+ % > 1 %/)
  const chart = /\nChart: (\S+\.svg)$/.exec(message)?.[1]
  expect(chart, message).toBeDefined()

  // What the chart shows: no errors before the fault, callers failing within one interval of it.
  const facts = readChartData(readFileSync(chart!, 'utf8'))!.facts
  expect(facts.held).toBe(false)
  const [stopped] = facts.faults
  expect(stopped?.name).toBe('balance-cache stopped')
  expect(stopped?.detectionMs).toBeLessThanOrEqual(report.intervalMs)
  expect(report.window(0, 1_000).errors).toBe(0)
  expect(report.during('balance-cache stopped').errorRate).toBeGreaterThan(0.5)
})
