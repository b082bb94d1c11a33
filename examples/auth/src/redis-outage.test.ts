import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { type ContainerFault, redisContainer } from '@faultline/containers'
import {
  faultImpact,
  History,
  type LoadReport,
  type LoadTaskContext,
  load,
  scaled,
  Timeline,
} from '@faultline/core'
import { expect, type PostgresFixture, test } from '@faultline/vitest'
import { decodeJwt } from 'jose'
import { accepts, login, logout, me, type Tokens } from './client.js'
import { createDatabase } from './db.js'
import { createRedis, REDIS } from './redis.js'
import { HEALTH_TIMEOUT, startAuth } from './server.js'

// Scenario 11, Redis failure during load: 100 requests a second (times FAULTLINE_LOAD_SCALE; 80 % API calls, 10 % logins, 10 %
// logouts) while the service's Redis is available, then stopped for 3 s (longer than the 1 s the fallback
// must take, so that a request waiting for Redis shows), then started again; the run goes on 2 s after it
// is back. The run's length allows for what a stop and a start of Redis cost on this
// machine, timed first. A Redis of the test's own, so that no other test sees the outage.

const RATE = scaled(100)
const OUTAGE = 3_000
/** The promise: a request falls back within 1 s, whatever Redis does. */
const FALLBACK_WITHIN = 1_000
/** Recovery: the client's reconnection delay plus one health check, five times over for a loaded machine. */
const RECOVERY = 5 * (REDIS.reconnectDelay + HEALTH_TIMEOUT)

async function loginAll(url: string, from: number, count: number): Promise<Tokens[]> {
  const tokens: Tokens[] = []
  for (let n = from; n < from + count; n += 10)
    tokens.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => login(url, n + i)))))
  return tokens
}

/** Throws unless the service's health says it uses Redis again, with no revocation left to write there. */
async function usesRedis(url: string, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${url}/health`, { signal })
  const health = (await res.json()) as { redis: string; pendingRevocations: number }
  if (health.redis !== 'ok' || health.pendingRevocations > 0) throw new Error(JSON.stringify(health))
}

async function throughRedisOutage(
  postgres: PostgresFixture,
  hardened: boolean,
  whenBack: (url: string, stopped: ContainerFault) => Promise<void> = async () => {},
) {
  await using cache = await redisContainer().start('auth-redis')
  const started = performance.now()
  await (await cache.stop({ timeout: 500 })).heal()
  const duration = Math.ceil(1_000 + OUTAGE + 2 * (performance.now() - started) + 2_000)

  // The database is the hardened pool in both variants: the naive connection per query is scenario 7's.
  const db = createDatabase(postgres.url, { hardened: true })
  const redis = createRedis(cache.url, { hardened })
  try {
    await using auth = await startAuth({ db, redis, secret: randomBytes(32), hardened })
    const apiSessions = await loginAll(auth.url, 1, 50)
    const logoutSessions = await loginAll(auth.url, 51, 150) // one per logout: more than the run makes
    const history = new History<string>() // the logouts: revocations that must survive the outage
    let logouts = 0
    const tasks = [
      {
        tag: 'api',
        weight: 80,
        run: ({ index, signal }: LoadTaskContext) =>
          me(auth.url, apiSessions[index % 50]!.accessToken, signal),
      },
      {
        tag: 'login',
        weight: 10,
        run: ({ index, signal }: LoadTaskContext) => login(auth.url, 201 + (index % 500), { signal }),
      },
      {
        tag: 'logout',
        weight: 10,
        run: ({ signal }: LoadTaskContext) => {
          const n = logouts++
          const tokens = logoutSessions[n]
          if (!tokens) throw new Error('out of sessions to log out')
          // A refusal (4xx) is definite; anything else may have revoked the token before it failed.
          const classify = (e: unknown) =>
            ((e as { status?: number }).status ?? 500) < 500 ? 'fail' : 'indeterminate'
          return history.record(`session-${n}`, () => logout(auth.url, tokens, signal), { classify })
        },
      },
    ]
    const timeline = new Timeline()
    // timeout: a caller's patience (the load gives up on a request after 5 s and counts it as failed).
    const run = load(tasks, { rate: RATE, duration, interval: 250, timeout: 5_000, timeline, seed: 11 })
    await sleep(1_000)
    const stopped = await cache.stop({ timeline, timeout: 500 })
    await sleep(OUTAGE)
    await stopped.heal() // starts it and waits until Redis answers

    let report: LoadReport
    try {
      await whenBack(auth.url, stopped)
    } finally {
      report = await run
    }

    // The final read: the sessions whose token the blacklist in Redis holds, and those the service refuses.
    const byJti = new Map(logoutSessions.map((t, n) => [decodeJwt(t.accessToken).jti, `session-${n}`]))
    const stored = (await redis.keys('revoked:*')).flatMap((k) => byJti.get(k.slice('revoked:'.length)) ?? [])
    const refused: string[] = []
    for (let n = 0; n < logouts; n++)
      if (!(await accepts(auth.url, logoutSessions[n]!.accessToken))) refused.push(`session-${n}`)
    return { report, fault: stopped.name, history, stored, refused }
  } finally {
    redis.disconnect()
    await db.end()
  }
}

// During the outage: within 1 s plus what a request cost here with Redis up (5 x the p95 of the first
// second, for a loaded machine), and under 1 % failures.
function outageSLO(report: LoadReport) {
  return { p99: Math.ceil(FALLBACK_WITHIN + 5 * report.window(0, 1_000).p95), errorRate: 0.01 }
}

// #region redis-outage-test
test('through a Redis outage: fallback within 1 s, under 1 % failures, recovery, no revocation lost', async ({
  postgres,
}) => {
  const { report, fault, history, stored, refused } = await throughRedisOutage(
    postgres,
    true,
    (url, stopped) =>
      // Once Redis is back, the service uses it again and writes the revocations it kept in memory.
      expect((signal: AbortSignal) => usesRedis(url, signal)).toRecoverWithin(RECOVERY, {
        since: stopped,
        interval: 50,
      }),
  )
  console.log(report.summary())
  expect(report.during(fault)).toMeetSLO(outageSLO(report)) // fallback within 1 s, under 1 % failures
  const impact = faultImpact(report, fault)
  console.log(impact) // detection and recovery times, as callers saw them
  expect(impact.recoveryMs ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(RECOVERY) // callers too
  // No corrupted data: every logout acknowledged, in Redis after the outage as before it, and enforced.
  expect(history).toHaveNoLostWrites(stored)
  expect(history).toHaveNoDuplicates(stored)
  expect(history).toHaveNoLostWrites(refused)
})
// #endregion redis-outage-test

// #region redis-outage-naive
test('the naive client waits for Redis in its offline queue: the outage fails the SLO', async ({
  postgres,
}) => {
  const { report, fault } = await throughRedisOutage(postgres, false)
  console.log(report.summary())
  let message = ''
  try {
    expect(report.during(fault)).toMeetSLO(outageSLO(report))
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(/SLO lines? breached over [\d,]+ calls \(window [\d.]+-[\d.]+ s, seed 11\)/)
  expect(message).toMatch(/✗ p99 [\d,.]+ (ms|s) > [\d,.]+ ms/)
})
// #endregion redis-outage-naive
