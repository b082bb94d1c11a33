// A project's own service matcher: "every Redis key written has a TTL", against the real Redis the run
// started (the `redis` fixture: a clean key space of this test's own). Async: it reads the server, so the
// test awaits it. It refuses to judge an empty key space, and names the keys that would live forever.
import { describeValue, FaultlineArgumentError, type FaultlineError } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import { formatArgs, formatSome, requireFloors, verdict } from '@faultline/vitest/matchers'
import type { Redis } from 'ioredis'
import { describe, type MatcherState } from 'vitest'

/** Which keys to check: a SCAN pattern (default every key). */
interface TtlOptions {
  readonly match?: string
}

/** The client to read with: an ioredis client, or the `redis` fixture (its `client`). */
function asRedis(received: unknown): Redis {
  const client = (received as { client?: Redis })?.client ?? received
  if (typeof (client as Redis)?.scan !== 'function') {
    throw new FaultlineArgumentError(
      'received',
      `toSetTtlOnEveryKey expects an ioredis client or the redis fixture, got ${describeValue(received)}`,
    )
  }
  return client as Redis
}

async function toSetTtlOnEveryKey(this: MatcherState, received: unknown, options: TtlOptions = {}) {
  const client = asRedis(received)
  const match = options.match ?? '*'
  // Every key of the key space, bounded: SCAN 1,000 at a time, at most 100 rounds.
  const keys: string[] = []
  let cursor = '0'
  for (let round = 0; round < 100; round++) {
    const [next, batch] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1_000)
    keys.push(...batch)
    cursor = next
    if (cursor === '0') break
  }
  keys.sort()
  requireFloors({ subject: 'key space', where: `db ${client.options.db ?? 0}, MATCH ${match}` }, [
    {
      what: 'a TTL check',
      population: 'key',
      have: keys.length,
      floor: { needed: 1, why: 'no key proves nothing' },
    },
  ])
  const ttls = await Promise.all(keys.map((key) => client.pttl(key))) // -1: no expiry; -2: gone since
  const forever = keys.filter((_, i) => ttls[i] === -1)
  const pass = forever.length === 0
  return verdict(this, {
    matcher: 'toSetTtlOnEveryKey',
    subject: 'redis',
    args: formatArgs(options.match === undefined ? undefined : options),
    pass,
    finding: pass
      ? `all ${keys.length} keys matching ${match} have a TTL`
      : `${forever.length} of ${keys.length} keys matching ${match} have no TTL: ${formatSome(forever)}`,
    notExpected: 'a key without a TTL',
    hints: ['write with SET key value PX ms (or EXPIRE in the same MULTI): a key without one lives forever'],
    actual: forever,
    expected: [],
  })
}

expect.extend({ toSetTtlOnEveryKey })

declare module 'vitest' {
  interface Matchers<R, T> {
    /** Every key (matching `match`) has a TTL. Async: await it. */
    toSetTtlOnEveryKey(options?: TtlOptions): Promise<R>
  }
}

// The code under test: a session store.
async function saveSession(redis: Redis, id: string, user: string): Promise<void> {
  await redis.multi().hset(`session:${id}`, { user }).pexpire(`session:${id}`, 60_000).exec()
  await redis.set(`session:${id}:seen`, Date.now(), 'PX', 60_000)
}

/** Broken: the "last seen" key is written without an expiry. */
async function saveSessionLeaky(redis: Redis, id: string, user: string): Promise<void> {
  await redis.multi().hset(`session:${id}`, { user }).pexpire(`session:${id}`, 60_000).exec()
  await redis.set(`session:${id}:seen`, Date.now())
}

describe('toSetTtlOnEveryKey', () => {
  test('passes when the code sets a TTL on every key', async ({ redis }) => {
    for (const id of ['a', 'b', 'c']) await saveSession(redis.client, id, `user-${id}`)
    await expect(redis).toSetTtlOnEveryKey()
  })

  test('fails naming the key written without one', async ({ redis }) => {
    await saveSession(redis.client, 'a', 'user-a')
    await saveSessionLeaky(redis.client, 'b', 'user-b')
    await expect(expect(redis).toSetTtlOnEveryKey()).rejects.toThrow(
      [
        'expect(redis).toSetTtlOnEveryKey()',
        '',
        '1 of 4 keys matching * have no TTL: "session:b:seen"',
        'Hint: write with SET key value PX ms (or EXPIRE in the same MULTI): a key without one lives forever',
      ].join('\n'),
    )
  })

  test('refuses to judge an empty key space', async ({ redis }) => {
    const refused = await expect(redis)
      .toSetTtlOnEveryKey()
      .catch((error: FaultlineError) => error)
    expect(refused).toMatchObject({
      code: 'TOO_FEW_SAMPLES',
      message: expect.stringMatching(
        /^a TTL check needs at least 1 key to judge \(no key proves nothing\); the key space has 0 \(db \d+, MATCH \*\)\.$/,
      ),
    })
  })
})
