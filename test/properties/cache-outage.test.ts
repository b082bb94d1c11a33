import { setTimeout as sleep } from 'node:timers/promises'
import { monitorPgConnections, redisContainer } from '@faultline/containers'
import { faultImpact, load, Timeline } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'

// Cache failure during load: 100 reads/s while the Redis in front of PostgreSQL is stopped for about 2 s and
// started again. The container's outage goes on a timeline; the report is judged inside the outage's window
// and after it. The run lasts long enough for this machine: a stop and start of the cache is timed first, so
// a slow machine gets a longer run, never a verdict about a window the outage still covered.

type Cache = Awaited<ReturnType<ReturnType<typeof redisContainer>['start']>>

describe('a Redis outage in the middle of a load run', () => {
  let cache: Cache
  let durationMs: number
  beforeAll(async () => {
    cache = await redisContainer().start('orders-cache')
    const started = performance.now()
    await (await cache.stop({ timeout: 500 })).heal()
    const outageCostMs = performance.now() - started
    // 1.5 s before the outage, 1.5 s down plus the stop and start, then at least 3 s after it.
    durationMs = Math.ceil(6_000 + 2 * outageCostMs)
  })
  afterAll(async () => {
    await cache?.close()
  })

  /** Runs the load with the outage in the middle; `read` is the code under test. */
  async function runWithOutage(read: () => Promise<unknown>) {
    const timeline = new Timeline()
    const run = load(read, { rate: 100, duration: durationMs, interval: 250, timeline, seed: 7 })
    await sleep(1_500)
    const stopped = await cache.stop({ timeline, timeout: 500 })
    await sleep(1_500)
    await stopped.heal() // starts it and waits until Redis answers: the heal is when it is really back
    return run
  }

  async function client(): Promise<Redis> {
    const c = new Redis(cache.url, {
      lazyConnect: true,
      commandTimeout: 100,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50, // reconnect quickly once it is back
    })
    c.on('error', () => {})
    await c.connect()
    return c
  }

  async function seed(db: pg.Client) {
    await db.query('CREATE TABLE products (id int PRIMARY KEY, name text)')
    await db.query("INSERT INTO products SELECT g, 'product ' || g FROM generate_series(1, 100) g")
  }

  test('with a fallback to PostgreSQL: under 1 % errors during the outage, no error after', async ({
    postgres,
    services,
  }) => {
    await seed(postgres.client)
    await postgres.client.end() // the code under test has its own pool
    const db = new pg.Pool({ connectionString: postgres.url, max: 2 })
    const c = await client()
    let n = 0
    const read = async () => {
      const id = (n++ % 100) + 1
      const cached = await c.get(`product:${id}`).catch(() => null) // the fallback: a cache error is a miss
      if (cached) return cached
      const { rows } = await db.query('SELECT name FROM products WHERE id = $1', [id])
      await c.set(`product:${id}`, rows[0].name).catch(() => {})
      return rows[0].name
    }
    const connections = monitorPgConnections(services.postgres(), {
      database: postgres.database,
      interval: 50,
    })
    const report = (await runWithOutage(read)).withMonitors(await connections.stop())
    c.disconnect()
    await db.end()

    expect(report.during('orders-cache stopped')).toHaveErrorRateBelow(0.01)
    // The fallback goes through the code's pool of 2: no connection storm on PostgreSQL.
    expect(report.during('orders-cache stopped').monitor(connections.name)).toNeverExceed(2)
    const impact = faultImpact(report, 'orders-cache stopped')
    expect(impact.detectionMs).toBeNull() // callers never noticed
    expect(impact.recoveryMs).toBe(0)
  })

  test('without a fallback: the outage shows in its window, and recovery after the restart is measured', async () => {
    const c = await client()
    await c.set('product:1', 'cached')
    const read = () => c.get('product:1')
    const report = await runWithOutage(read)
    c.disconnect()

    expect(() => expect(report.during('orders-cache stopped')).toHaveErrorRateBelow(0.01)).toThrow(
      /^expect\(report\)\.toHaveErrorRateBelow\(0\.01\)\n\nerror rate [\d.]+ % > 1 %: [\d,]+ errors in [\d,]+ calls \(floor 100, window [\d.]+-[\d.]+ s, seed 7\)/,
    )
    const impact = faultImpact(report, 'orders-cache stopped')
    expect(impact.errors).toBeGreaterThan(50)
    expect(impact.detectionMs).not.toBeNull()
    // Recovery is measured (to the report's 250 ms resolution): ioredis reconnects within ~50 ms of Redis
    // answering. Relative, not absolute: callers fail for less time after the heal than the outage lasted
    // (both stretch together on a slow machine); benchmarks, not tests, hold timing targets.
    const outageMs = impact.fault.healedAt! - impact.fault.startedAt
    expect(impact.recoveryMs).not.toBeNull()
    expect(impact.recoveryMs!).toBeLessThan(outageMs)
    expect(report.window(durationMs - 1_000, durationMs)).toHaveErrorRateBelow(0.01)
  })
})
