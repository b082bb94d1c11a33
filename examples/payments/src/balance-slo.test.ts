import { setTimeout as sleep } from 'node:timers/promises'
import { redisContainer } from '@faultline/containers'
import { faultImpact, load, Timeline } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import { Redis } from 'ioredis'
import pg from 'pg'
import { balance } from './payments.js'

// 100 balance reads per second for 4 s (open model: latency counted from when each read should have
// started), with the cache stopped for about 1.5 s in the middle.
test('balance reads keep their SLO through a cache outage', async ({ postgres }) => {
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

  const timeline = new Timeline()
  let n = 0
  const db = new pg.Pool({ connectionString: postgres.url, max: 4 }) // concurrent reads need a pool
  const run = load(() => balance(db, client, (n++ % 2) + 1), {
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
  const report = await run
  client.disconnect()
  await db.end()

  console.log(report.summary())
  // The budget is relative to this machine: what reads cost before the outage (the first second), plus
  // the cache's command timeout that a read may wait out before it falls back to PostgreSQL. A fixed
  // number of ms would fail a slow CI machine and pass a broken fallback on a fast one.
  const baseline = report.window(0, 1_000).p95
  expect(report).toMeetSLO({ p95: 100 + 5 * baseline, errorRate: 0.01 })
  expect(report.during('balance-cache stopped')).toHaveErrorRateBelow(0.01)
  expect(faultImpact(report, 'balance-cache stopped').recoveryMs).toBe(0)
})
