import { randomBytes } from 'node:crypto'
import { monitorPgConnections } from '@faultline/containers'
import {
  constantRate,
  heapMonitor,
  type LoadTaskContext,
  load,
  rampUsers,
  ratePhases,
  scaled,
} from '@faultline/core'
import type { Services } from '@faultline/vitest'
import { expect, type PostgresFixture, type RedisFixture, test } from '@faultline/vitest'
import { login } from './client.js'
import { createDatabase, POOL } from './db.js'
import { createRedis } from './redis.js'
import { startAuth } from './server.js'

// Scenario 7, login load: a ramp of users logging in (the audit: 0 to 1,000 users; here 1 to 16 users
// over 2 s, then 16 for 3 s, closed model: each user logs in again as soon as it is answered), after a
// baseline of 100 logins (the floor of a p99) by one user alone on the same service. The budgets are relative to that baseline,
// measured in the same run on the same machine.

const USERS = scaled(16) // FAULTLINE_LOAD_SCALE=63 ramps to the audit's 1,000 users
const RAMP = 2_000
const HOLD = 3_000

async function loginRamp(
  { postgres, redis, services }: { postgres: PostgresFixture; redis: RedisFixture; services: Services },
  hardened: boolean,
) {
  const db = createDatabase(postgres.url, { hardened })
  const cache = createRedis(redis.url, { hardened })
  try {
    await using auth = await startAuth({ db, redis: cache, secret: randomBytes(32), hardened })
    // Each user logs in from an address of its own, as `user-<n>`.
    const task = ({ index, signal }: LoadTaskContext) =>
      login(auth.url, (index % 100) + 1, { ip: `10.0.0.${index % USERS}`, signal })
    const baseline = await load(task, { concurrency: 1, count: 100, seed: 1, name: 'baseline' })
    const connections = monitorPgConnections(services.postgres(), {
      database: postgres.database,
      interval: 20,
    })
    const memory = heapMonitor({ interval: 50 })
    const ramp = await load(task, {
      concurrency: ratePhases(rampUsers(1, USERS, RAMP), constantRate(USERS, HOLD)),
      timeout: 2 * POOL.connectionTimeout, // longer than any wait the pool allows: its errors, not ours
      interval: 500,
      seed: 7,
      name: 'login ramp',
    })
    const report = ramp.withMonitors(await connections.stop(), await memory.stop())
    return { baseline, report, connections: connections.name, memory: memory.name }
  } finally {
    cache.disconnect()
    await db.end()
  }
}

// #region login-load-test
test('a login ramp keeps its latency within the baseline x users, its throughput, its memory and its pool', async ({
  postgres,
  redis,
  services,
}) => {
  const { baseline, report, connections, memory } = await loginRamp({ postgres, redis, services }, true)
  console.log(baseline.summary())
  console.log(report.summary())
  // A user waits at most behind every other user's login: USERS x what a login costs alone, at each
  // percentile; twice that, as the baseline and the ramp ran at different moments of a shared machine.
  expect(report).toMeetSLO({
    p50: 2 * USERS * baseline.p50,
    p95: 2 * USERS * baseline.p95,
    p99: 2 * USERS * baseline.p99,
    errorRate: 0.01,
    // More users get at least as many logins through as one user alone (half, for a shared machine).
    throughput: 0.5 * baseline.throughput,
  })
  expect(report.monitor(connections)).toNeverExceed(POOL.max) // the pool, never the server, is the limit
  // Memory under the steady load (the hold, after the ramp): no upward trend.
  expect(report.window(RAMP, RAMP + HOLD).monitor(memory)).toBeStable({ maxGrowth: 16 * 1024 * 1024 })
})
// #endregion login-load-test

// #region login-load-naive
test('the naive service opens a connection per query: toNeverExceed says how many', async ({
  postgres,
  redis,
  services,
}) => {
  const { report, connections } = await loginRamp({ postgres, redis, services }, false)
  console.log(report.summary())
  let message = ''
  try {
    expect(report.monitor(connections)).toNeverExceed(POOL.max)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(/postgres connections to \S+ peaked at \d+ connections > 4 connections/)
})
// #endregion login-load-naive
