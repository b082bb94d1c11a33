import { randomBytes } from 'node:crypto'
import {
  CORRUPTED_VALUE,
  type ContainerFault,
  corruptRedisKeys,
  type RedisService,
  redisContainer,
} from '@faultline/containers'
import { History, type LoadTaskContext, load, scaled, scheduleFaults, Timeline } from '@faultline/core'
import { expect, type PostgresFixture, type RedisFixture, test } from '@faultline/vitest'
import { accepts, login, logout, me, type Tokens } from './client.js'
import { createDatabase, type Database } from './db.js'
import { createRedis, REDIS } from './redis.js'
import { startAuth } from './server.js'

// Scenario 12 (the auth service's part): the Redis failures scenario 11's clean stop does not cover.
// - start-up without Redis: a deployment while Redis is down;
// - lost at runtime: Redis killed (SIGKILL) and started again without the data it had not saved;
// - timing out: Redis paused for 3 s under 50 requests a second: connections stay open, nothing answers;
// - a corrupted blacklist entry: every `revoked:*` key overwritten with garbage.
// The audit gives no size for these (its tests set a flag on a client object); they run beside scenario
// 11's load of 1,000 requests a second. Here: 50 requests a second and 20 sessions, each times
// FAULTLINE_LOAD_SCALE; FAULTLINE_LOAD_SCALE=20 reaches the audit's rate. Each check has a Redis of its
// own: a container for the container faults, the `redis` fixture's key space for the data fault.

const RATE = scaled(50)
const SESSIONS = scaled(20)
/** How long a test waits for the service to use Redis again: bounded, and not what is judged. */
const RECONNECTED_WITHIN = 10_000

async function loginAll(url: string, count: number): Promise<Tokens[]> {
  const tokens: Tokens[] = []
  for (let n = 1; n <= count; n += 10) {
    const batch = Array.from({ length: Math.min(10, count - n + 1) }, (_, i) => login(url, n + i))
    tokens.push(...(await Promise.all(batch)))
  }
  return tokens
}

/** Logs every session out, one after the other, recording each acknowledgement. */
async function logoutAll(url: string, sessions: Tokens[], history: History<string>): Promise<void> {
  for (const [n, tokens] of sessions.entries())
    await history.record(`session-${n}`, () => logout(url, tokens)).catch(() => {})
}

/** The sessions the service at `url` refuses now. */
async function refusedBy(url: string, sessions: Tokens[]): Promise<string[]> {
  const refused: string[] = []
  for (const [n, tokens] of sessions.entries())
    if (!(await accepts(url, tokens.accessToken))) refused.push(`session-${n}`)
  return refused
}

interface Health {
  redis: 'ok' | 'fallback' | 'down'
  pendingRevocations: number
}

async function health(url: string): Promise<{ status: number } & Health> {
  const res = await fetch(`${url}/health`)
  return { status: res.status, ...((await res.json()) as Health) }
}

/** Waits until the service says it uses Redis, with no revocation left to write there. */
async function usingRedis(url: string): Promise<void> {
  await expect
    .poll(() => health(url), { timeout: RECONNECTED_WITHIN, interval: 50 })
    .toMatchObject({ redis: 'ok', pendingRevocations: 0 })
}

/** A Redis container of the test's own, the database's access, and a key for the tokens. */
async function withOwnRedis<T>(
  postgres: PostgresFixture,
  run: (cache: RedisService, db: Database, secret: Uint8Array) => Promise<T>,
): Promise<T> {
  await using cache = await redisContainer().start('auth-redis')
  const db = createDatabase(postgres.url, { hardened: true }) // the naive connection per query is scenario 7's
  try {
    return await run(cache, db, randomBytes(32))
  } finally {
    await db.end()
  }
}

// --- Start-up without Redis ----------------------------------------------------------------------------

/** The start-up's budget: the hardened service waits `startupWait` for Redis at most; twice that. */
const STARTUP_BUDGET = 2 * REDIS.startupWait

/**
 * A deployment while Redis is down: the orchestrator starts the service again until it serves a login.
 * Each attempt is a fresh instance with a client of its own, closed after the login.
 */
function deployment(cache: RedisService, db: Database, secret: Uint8Array, hardened: boolean) {
  return async (signal: AbortSignal) => {
    const redis = createRedis(cache.url, { hardened })
    try {
      await using auth = await startAuth({ db, redis, secret, hardened })
      await login(auth.url, 1, { signal })
    } finally {
      redis.disconnect()
    }
  }
}

// #region startup-test
test('started while Redis is down, the service serves on its fallbacks and uses Redis once it is up', async ({
  postgres,
}) => {
  await withOwnRedis(postgres, async (cache, db, secret) => {
    const stopped = await cache.stop({ timeout: 500 })
    await expect(deployment(cache, db, secret, true)).toRecoverWithin(STARTUP_BUDGET, { interval: 100 })

    const redis = createRedis(cache.url, { hardened: true })
    try {
      await using auth = await startAuth({ db, redis, secret, hardened: true })
      expect(await health(auth.url)).toMatchObject({ status: 200, redis: 'fallback' }) // degraded, not down
      const tokens = await login(auth.url, 1)
      await logout(auth.url, tokens) // kept in memory, enforced at once, written to Redis when it is up
      expect(await accepts(auth.url, tokens.accessToken)).toBe(false)

      await stopped.heal() // Redis starts
      await usingRedis(auth.url) // the client connected, and the revocation is in Redis now
      expect(await redis.keys('revoked:*')).toHaveLength(2) // its access and refresh tokens
    } finally {
      redis.disconnect()
    }
  })
})
// #endregion startup-test

// #region startup-naive
test('the naive service does not start without Redis: toRecoverWithin says why', async ({ postgres }) => {
  await withOwnRedis(postgres, async (cache, db, secret) => {
    await cache.stop({ timeout: 500 }) // healed (started) when the test's container goes
    const redis = createRedis(cache.url, { hardened: false })
    try {
      await expect(startAuth({ db, redis, secret, hardened: false })).rejects.toThrow(/ECONNREFUSED/)
    } finally {
      redis.disconnect()
    }
    let message = ''
    try {
      await expect(deployment(cache, db, secret, false)).toRecoverWithin(STARTUP_BUDGET, { interval: 100 })
    } catch (error) {
      message = (error as Error).message
    }
    console.log(message) // what the operator of the naive service would see
    expect(message).toMatch(/not recovered within 2,000 ms of the heal \(\d+ probes, \d+ failed\)/)
  })
})
// #endregion startup-naive

// --- Lost at runtime: killed, and back without its data ------------------------------------------------

// #region crash
/**
 * Sessions logged out on one instance while Redis is up; Redis killed and started again (its unsaved
 * data gone with the process); then a second instance, which knows only what Redis holds, is asked.
 */
async function throughACrash(postgres: PostgresFixture, hardened: boolean) {
  return withOwnRedis(postgres, async (cache, db, secret) => {
    const redis = createRedis(cache.url, { hardened })
    const otherRedis = createRedis(cache.url, { hardened })
    try {
      await using auth = await startAuth({ db, redis, secret, hardened })
      const sessions = await loginAll(auth.url, SESSIONS)
      const history = new History<string>()
      await logoutAll(auth.url, sessions, history)
      // Every revocation reached Redis before the crash (the naive one writes in the background).
      await expect.poll(async () => (await redis.keys('revoked:*')).length).toBe(2 * SESSIONS)

      const killed: ContainerFault = await cache.kill()
      await killed.heal() // started again: the same Redis, without what it had not saved
      await usingRedis(auth.url)

      await using other = await startAuth({ db, redis: otherRedis, secret, hardened })
      return { history, refused: await refusedBy(other.url, sessions) }
    } finally {
      redis.disconnect()
      otherRedis.disconnect()
    }
  })
}
// #endregion crash

// #region crash-test
test('Redis killed and back without its data: every revocation is written again, every instance refuses', async ({
  postgres,
}) => {
  const { history, refused } = await throughACrash(postgres, true)
  expect(history).toHaveNoLostWrites(refused) // refused on an instance that only knows what Redis holds
})
// #endregion crash-test

// #region crash-naive
test('the naive blacklist loses the revocations Redis lost: toHaveNoLostWrites lists them', async ({
  postgres,
}) => {
  const { history, refused } = await throughACrash(postgres, false)
  let message = ''
  try {
    expect(history).toHaveNoLostWrites(refused)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(new RegExp(`${SESSIONS} of ${SESSIONS} acknowledged writes lost`))
})
// #endregion crash-naive

// --- Timing out: Redis paused --------------------------------------------------------------------------

const PAUSE = 3_000

// #region pause
/** 80 % API calls, 20 % logins for 1 s, through a 3 s pause of Redis, and 1.5 s after. */
async function throughAPause(postgres: PostgresFixture, hardened: boolean) {
  return withOwnRedis(postgres, async (cache, db, secret) => {
    const redis = createRedis(cache.url, { hardened })
    try {
      await using auth = await startAuth({ db, redis, secret, hardened })
      const sessions = await loginAll(auth.url, SESSIONS)
      const tasks = [
        {
          tag: 'api',
          weight: 80,
          run: ({ index, signal }: LoadTaskContext) =>
            me(auth.url, sessions[index % SESSIONS]!.accessToken, signal),
        },
        {
          tag: 'login',
          weight: 20,
          run: ({ index, signal }: LoadTaskContext) => login(auth.url, 1 + (index % SESSIONS), { signal }),
        },
      ]
      const timeline = new Timeline()
      await using faults = scheduleFaults(
        [{ at: 1_000, duration: PAUSE, apply: ({ timeline }) => cache.pause({ timeline }) }],
        { timeline },
      )
      // timeout: a caller's patience, longer than the pause, so that a request waiting it out shows.
      const report = await load(tasks, {
        rate: RATE,
        duration: 1_000 + PAUSE + 1_500,
        interval: 250,
        timeout: 5_000,
        timeline,
        seed: 12,
      })
      await faults.heal()
      return { report, fault: `${cache.name} paused` }
    } finally {
      redis.disconnect()
    }
  })
}
// #endregion pause

/**
 * While Redis does not answer: a command's timeout per request (three times over, for a loaded machine), on
 * top of what a request cost before the pause.
 */
function pauseSLO(report: Awaited<ReturnType<typeof throughAPause>>['report']) {
  return { p99: Math.ceil(3 * REDIS.commandTimeout + 5 * report.window(0, 1_000).p95), errorRate: 0.01 }
}

// #region pause-test
test('Redis not answering: each request gives up on it after its command timeout, none fails', async ({
  postgres,
}) => {
  const { report, fault } = await throughAPause(postgres, true)
  console.log(report.summary())
  expect(report.during(fault)).toMeetSLO(pauseSLO(report))
})
// #endregion pause-test

// #region pause-naive
test('the naive client waits for a Redis that does not answer: the pause fails the SLO', async ({
  postgres,
}) => {
  const { report, fault } = await throughAPause(postgres, false)
  let message = ''
  try {
    expect(report.during(fault)).toMeetSLO(pauseSLO(report))
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(/SLO lines? breached over [\d,]+ calls \(window [\d.]+-[\d.]+ s, seed 12\)/)
  expect(message).toMatch(/✗ p99 [\d,.]+ (ms|s) > [\d,.]+ ms/)
})
// #endregion pause-naive

// --- A corrupted blacklist entry -----------------------------------------------------------------------

// #region corrupted
/**
 * Sessions logged out on one instance; every `revoked:*` entry then corrupted; a second instance (which
 * has none of them in memory) is asked about each.
 */
async function withCorruptedBlacklist(postgres: PostgresFixture, keyspace: RedisFixture, hardened: boolean) {
  const db = createDatabase(postgres.url, { hardened: true })
  const [one, two] = [createRedis(keyspace.url, { hardened }), createRedis(keyspace.url, { hardened })]
  try {
    const secret = randomBytes(32)
    await using first = await startAuth({ db, redis: one, secret, hardened })
    await using second = await startAuth({ db, redis: two, secret, hardened })
    const sessions = await loginAll(first.url, SESSIONS)
    const history = new History<string>()
    await logoutAll(first.url, sessions, history)
    await expect.poll(async () => (await keyspace.client.keys('revoked:*')).length).toBe(2 * SESSIONS)

    await using corrupted = await corruptRedisKeys(keyspace.url, { match: 'revoked:*' })
    expect(corrupted.keys).toHaveLength(2 * SESSIONS) // each session's access and refresh tokens
    expect(await keyspace.client.get(corrupted.keys[0]!)).toBe(CORRUPTED_VALUE)
    return { history, refused: await refusedBy(second.url, sessions) }
  } finally {
    one.disconnect()
    two.disconnect()
    await db.end()
  }
}
// #endregion corrupted

// #region corrupted-test
test('a corrupted blacklist entry still refuses its token (fail-secure)', async ({ postgres, redis }) => {
  const { history, refused } = await withCorruptedBlacklist(postgres, redis, true)
  expect(history).toHaveNoLostWrites(refused) // every logged-out token refused, its entry unreadable
})
// #endregion corrupted-test

// #region corrupted-naive
test('the naive blacklist lets a token in when its entry does not parse: toHaveNoLostWrites lists them', async ({
  postgres,
  redis,
}) => {
  const { history, refused } = await withCorruptedBlacklist(postgres, redis, false)
  let message = ''
  try {
    expect(history).toHaveNoLostWrites(refused)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(new RegExp(`${SESSIONS} of ${SESSIONS} acknowledged writes lost`))
})
// #endregion corrupted-naive
