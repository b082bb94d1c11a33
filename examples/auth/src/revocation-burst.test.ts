import { randomBytes } from 'node:crypto'
import { History, scaled } from '@faultline/core'
import { expect, type PostgresFixture, type RedisFixture, test } from '@faultline/vitest'
import { decodeJwt } from 'jose'
import { accepts, login, logout, me, type Tokens } from './client.js'
import { createDatabase } from './db.js'
import { createRedis } from './redis.js'
import { type AuthService, startAuth } from './server.js'

// Scenario 9, token revocation burst: 100 users of two instances of the service (sharing PostgreSQL and
// Redis, as two processes would) log out at the same moment. Each logout is an operation of a History,
// acknowledged by its 200; at once after its acknowledgement the token is verified on both instances, and
// the final read is the set of users whose token no instance accepted then. The audit's "many" is scaled
// to 100 simultaneous logouts for a 2-core machine (times FAULTLINE_LOAD_SCALE).

const SESSIONS = scaled(100)

async function twoInstances(postgres: PostgresFixture, redis: RedisFixture, hardened: boolean) {
  const secret = randomBytes(32) // shared by both instances: a token of one is valid on the other
  const instances: (AuthService & { end(): Promise<void> })[] = []
  for (let i = 0; i < 2; i++) {
    // The database is the hardened pool in both variants: the naive connection per query is scenario 7's.
    const db = createDatabase(postgres.url, { hardened: true })
    const cache = createRedis(redis.url, { hardened })
    const auth = await startAuth({ db, redis: cache, secret, hardened })
    instances.push(
      Object.assign(auth, {
        async end() {
          await auth.close()
          cache.disconnect()
          await db.end()
        },
      }),
    )
  }
  return instances as [(typeof instances)[0], (typeof instances)[0]]
}

async function revocationBurst(postgres: PostgresFixture, redis: RedisFixture, hardened: boolean) {
  const [a, b] = await twoInstances(postgres, redis, hardened)
  try {
    const sessions: { user: string; tokens: Tokens }[] = []
    for (let n = 1; n <= SESSIONS; n++) {
      const tokens = await login(a.url, n)
      await me(a.url, tokens.accessToken) // each user is using the API on both instances
      await me(b.url, tokens.accessToken)
      sessions.push({ user: `user-${n}`, tokens })
    }

    const history = new History<string>()
    const acceptedAfterAck = new Set<string>()
    await Promise.all(
      sessions.map(async ({ user, tokens }, i) => {
        const [mine, other] = i % 2 === 0 ? [a, b] : [b, a]
        await history.record(user, () => logout(mine.url, tokens), { process: i % 2 === 0 ? 'a' : 'b' })
        // Acknowledged: from now on, no instance may accept the token.
        const after = await Promise.all([mine, other].map((s) => accepts(s.url, tokens.accessToken)))
        if (after.includes(true)) acceptedAfterAck.add(user)
      }),
    )
    const refused = sessions.filter((s) => !acceptedAfterAck.has(s.user)).map((s) => s.user)

    // What Redis holds, where every instance reads: the users whose access token is in the blacklist.
    const userByJti = new Map(sessions.map((s) => [decodeJwt(s.tokens.accessToken).jti, s.user]))
    const keys = await redis.client.keys('revoked:*')
    const stored = keys.flatMap((k) => userByJti.get(k.slice('revoked:'.length)) ?? [])
    return { history, refused, stored }
  } finally {
    await Promise.all([a.end(), b.end()])
  }
}

// #region revocation-test
test('every logout of a burst is applied, and no instance accepts a token after its logout was acknowledged', async ({
  postgres,
  redis,
}) => {
  const { history, refused, stored } = await revocationBurst(postgres, redis, true)
  expect(history.counts()).toMatchObject({ ok: SESSIONS }) // every logout acknowledged
  expect(history).toHaveNoLostWrites(refused) // race-free: refused by both instances right after the ack
  expect(history).toHaveNoLostWrites(stored) // every revocation in the shared blacklist
  expect(history).toHaveNoDuplicates(stored)
})
// #endregion revocation-test

// #region revocation-naive
test('the naive verifier accepts logged-out tokens from its cache: toHaveNoLostWrites says which', async ({
  postgres,
  redis,
}) => {
  const { history, refused } = await revocationBurst(postgres, redis, false)
  let message = ''
  try {
    expect(history).toHaveNoLostWrites(refused)
  } catch (error) {
    message = (error as Error).message
  }
  console.log(message) // what a user of the naive service would see
  expect(message).toMatch(/\d+ of 100 acknowledged writes lost \(missing from the final read\): "user-\d+"/)
  expect(message).toContain('history: 100 ok, 0 fail, 0 indeterminate, 0 pending')
})
// #endregion revocation-naive
