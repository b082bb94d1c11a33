import { setTimeout as sleep } from 'node:timers/promises'
import { CORRUPTED_VALUE, corruptRedisKeys, deleteRedisKeys } from '@faultline/containers'
import { isFaultlineError, Timeline } from '@faultline/core'
import { expect, test } from '@faultline/vitest'
import { describe } from 'vitest'

// Data faults on a real Redis (the plugin's, a clean logical database per test): the keys matching a
// pattern corrupted or deleted, on the timeline; heal puts back values and TTLs of any type, except where
// the application wrote the key since.
describe('corruptRedisKeys', () => {
  test('overwrites the matching keys of any type with garbage, keeps TTLs, and heal restores them', async ({
    redis,
  }) => {
    const { client } = redis
    await client.set('blacklist:a', '{"revoked":true}', 'PX', 60_000)
    await client.hset('blacklist:b', { jti: 'b', revoked: '1' })
    await client.set('other:c', 'untouched')
    const timeline = new Timeline()
    const fault = await corruptRedisKeys(redis.url, { match: 'blacklist:*', timeline })
    expect([...fault.keys].sort()).toEqual(['blacklist:a', 'blacklist:b'])
    expect(await client.get('blacklist:a')).toBe(CORRUPTED_VALUE)
    expect(await client.pttl('blacklist:a')).toBeGreaterThan(0)
    await expect(client.hgetall('blacklist:b')).rejects.toThrow(/WRONGTYPE/)
    expect(await client.get('other:c')).toBe('untouched')
    expect(timeline.entries()).toMatchObject([{ name: 'keys corrupted blacklist:*', details: { keys: 2 } }])
    expect(fault.active).toBe(true)

    await fault.heal()
    expect(await client.get('blacklist:a')).toBe('{"revoked":true}')
    expect(await client.pttl('blacklist:a')).toBeGreaterThan(0)
    expect(await client.hgetall('blacklist:b')).toEqual({ jti: 'b', revoked: '1' })
    expect(fault.restored).toBe(2)
    expect(timeline.entries()[0]?.healedAt).toBeDefined()
  })

  test('heal leaves a key the application wrote since (its write wins); value may be chosen per key', async ({
    redis,
  }) => {
    const { client } = redis
    await client.mset('token:1', 'one', 'token:2', 'two')
    {
      await using fault = await corruptRedisKeys(client, {
        match: 'token:*',
        value: (key) => `${key}#garbage`,
      })
      expect(await client.get('token:1')).toBe('token:1#garbage')
      await client.set('token:2', 'repaired') // the application noticed and rewrote it
      await fault.heal()
      expect(fault.restored).toBe(1)
    }
    expect(await client.mget('token:1', 'token:2')).toEqual(['one', 'repaired'])
    expect(client.status).toBe('ready') // a client passed in is left open
  })
})

describe('deleteRedisKeys', () => {
  test('deletes the matching keys; heal restores those still absent, not one written again', async ({
    redis,
  }) => {
    const { client } = redis
    await client.mset('session:1', 's1', 'session:2', 's2')
    await client.sadd('session:3', 'a', 'b')
    {
      await using fault = await deleteRedisKeys(redis.url, { match: 'session:*' })
      expect(fault.name).toBe('keys deleted session:*')
      expect(await client.exists('session:1', 'session:2', 'session:3')).toBe(0)
      await client.set('session:2', 'new login')
    }
    expect(await client.mget('session:1', 'session:2')).toEqual(['s1', 'new login'])
    expect((await client.smembers('session:3')).sort()).toEqual(['a', 'b'])
  })

  test('a key whose TTL ran out during the fault stays gone, as it would have', async ({ redis }) => {
    const { client } = redis
    await client.set('cache:short', 'x', 'PX', 200)
    await client.set('cache:long', 'y')
    const fault = await deleteRedisKeys(redis.url, { match: 'cache:*' })
    await sleep(300)
    await fault.heal()
    expect(await client.exists('cache:short')).toBe(0)
    expect(await client.get('cache:long')).toBe('y')
    expect(fault.restored).toBe(1)
  })

  test('refuses a fault on nothing, a missing pattern and a pattern over its limit', async ({ redis }) => {
    const error = await deleteRedisKeys(redis.url, { match: 'nothing:*' }).catch((e: unknown) => e)
    expect(isFaultlineError(error) && error.code).toBe('NO_MATCHING_KEYS')
    expect((error as Error).message).toMatch(/^no key matches 'nothing:\*' in this database/)
    await expect(deleteRedisKeys(redis.url, { match: '' })).rejects.toThrow(
      `options.match: expected a SCAN MATCH pattern such as 'blacklist:*', got ""`,
    )
    await redis.client.mset('k:1', '1', 'k:2', '2', 'k:3', '3')
    await expect(deleteRedisKeys(redis.url, { match: 'k:*', limit: 2 })).rejects.toThrow(
      "options.limit: more than 2 keys match 'k:*'; narrow the pattern or raise the limit",
    )
    expect(await redis.client.exists('k:1', 'k:2', 'k:3')).toBe(3) // nothing touched
  })
})
