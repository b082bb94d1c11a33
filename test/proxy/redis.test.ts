import { createProxy, type FaultProxy, onRedis } from '@faultline/proxy'
import { test as base, type RedisFixture } from '@faultline/vitest'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { describe, expect, onTestFinished } from 'vitest'
import { failure, fastest, timed } from './support.js'

// Every fault seen by a real ioredis client, through the proxy, against the run's Redis (a key space of
// each test's own). Timings are asserted as lower bounds (a fault guarantees at least its delay), and from
// above only against a baseline measured in the same test.

interface Through {
  proxy: FaultProxy
  /** The test's key space, read directly: the witness of what Redis holds. */
  direct: Redis
  /** A client through the proxy that fails fast instead of retrying, so a fault shows as an error. */
  client: (options?: { commandTimeout?: number }, errors?: string[]) => Promise<Redis>
}

function clientOn(
  keyspace: RedisFixture,
  target: { host: string; port: number },
  options: { commandTimeout?: number } = {},
  errors: string[] = [],
): Redis {
  const { password } = new URL(keyspace.url)
  const c = new Redis({
    host: target.host,
    port: target.port,
    db: keyspace.db,
    ...(password ? { password: decodeURIComponent(password) } : {}),
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    lazyConnect: true,
    ...options,
  })
  c.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message))
  onTestFinished(() => c.disconnect())
  return c
}

const test = base.extend('through', async ({ redis: keyspace }, { onCleanup }): Promise<Through> => {
  const proxy = await createProxy({ upstream: keyspace }) // redis://: framed as Redis
  onCleanup(() => proxy.close())
  const client = async (options: { commandTimeout?: number } = {}, errors: string[] = []) => {
    const c = clientOn(keyspace, proxy, options, errors)
    await c.connect()
    return c
  }
  return { proxy, direct: keyspace.client, client }
})

describe('pass-through', () => {
  test('stores and reads back random binary values byte-exactly, pipelined', async ({ through }) => {
    const c = await through.client()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 20_000 }), { minLength: 1, maxLength: 20 }),
        async (values) => {
          const pipeline = c.pipeline()
          for (const [i, v] of values.entries()) pipeline.set(`k${i}`, Buffer.from(v))
          for (const i of values.keys()) pipeline.getBuffer(`k${i}`)
          const results = (await pipeline.exec()) ?? []
          const read = results.slice(values.length).map(([, value]) => value as Buffer)
          expect(read.map((b) => b.toString('hex'))).toEqual(
            values.map((v) => Buffer.from(v).toString('hex')),
          )
        },
      ),
      { numRuns: 20 },
    )
  })
})

describe('faults seen by ioredis', () => {
  test('latency: a round trip takes at least the added delay, and is back to normal once healed', async ({
    through: { proxy, client },
  }) => {
    const c = await client()
    const ping = async () => expect(await c.ping()).toBe('PONG')
    const baseline = await fastest(ping, 5)
    const slow = proxy.latency({ ms: 100, jitter: 20 })
    expect(await fastest(ping, 2)).toBeGreaterThanOrEqual(80)
    await slow.heal()
    expect((await fastest(ping, 5)) - baseline).toBeLessThan(80)
  })

  test('bandwidth: a large value arrives no faster than the limit', async ({
    through: { proxy, direct, client },
  }) => {
    await direct.set('big', Buffer.alloc(100_000, 1))
    const c = await client()
    await using _narrow = proxy.bandwidth({ bytesPerSecond: 200_000 })
    const read = await timed(() => c.getBuffer('big'))
    expect(read.result.status === 'fulfilled' && read.result.value?.length).toBe(100_000)
    expect(read.ms).toBeGreaterThanOrEqual(450)
  })

  test('blackHole: the command times out, the connection stays; healed, the client works again', async ({
    through: { proxy, direct, client },
  }) => {
    const c = await client({ commandTimeout: 300 })
    const hole = proxy.blackHole()
    expect((await failure(c.set('k', 'v'))).message).toMatch(/timed out/i)
    expect(c.status).toBe('ready')
    await hole.heal()
    await expect.poll(() => direct.get('k')).toBe('v')
    expect(await c.ping()).toBe('PONG')
  })

  test('reset: the client sees ECONNRESET', async ({ through: { proxy, client } }) => {
    const c = await client()
    const closed = new Promise<void>((resolve) => c.once('end', () => resolve()))
    const errors: string[] = []
    c.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message))
    await using _reset = proxy.reset()
    await closed
    expect(errors).toContain('ECONNRESET')
  })

  test('refuse: a new client cannot connect; healed, it can', async ({ through: { proxy, client } }) => {
    const down = proxy.refuse()
    const errors: string[] = []
    await failure(client({}, errors))
    expect(errors).toContain('ECONNREFUSED')
    await down.heal()
    expect(await (await client()).ping()).toBe('PONG')
  })

  test('slowClose: the client sees the end of the connection late', async ({
    through: { proxy, client },
  }) => {
    const c = await client()
    await using _slow = proxy.slowClose({ ms: 300, direction: 'downstream' })
    const ended = new Promise<void>((resolve) => c.once('end', () => resolve()))
    const quit = await timed(async () => {
      await c.quit()
      await ended
    })
    expect(quit.ms).toBeGreaterThanOrEqual(290)
  })

  test('slicer: replies cut into 1-3 byte pieces still parse to the same values', async ({
    through: { proxy, direct, client },
  }) => {
    const value = 'x'.repeat(300)
    await direct.set('k', value)
    const c = await client()
    await using _sliced = proxy.slicer({ size: 2, sizeVariation: 1, delay: 0 })
    expect(await c.get('k')).toBe(value)
    expect(await c.mget('k', 'k')).toEqual([value, value])
  })

  test('cutAfter: a reply longer than the budget breaks the connection', async ({
    through: { proxy, direct, client },
  }) => {
    await direct.set('big', 'y'.repeat(10_000))
    const c = await client()
    await using _cut = proxy.cutAfter({ bytes: 1_000, direction: 'downstream' })
    expect(await c.ping()).toBe('PONG')
    const error = await failure(c.get('big'))
    expect(error.message).toMatch(/ECONNRESET|Connection is closed/)
  })

  test('probability with a seed: the same connections are affected run after run', async ({
    redis: keyspace,
    services,
  }) => {
    const run = async (seed: number): Promise<boolean[]> => {
      const p = await createProxy({ upstream: services.redis(), seed })
      try {
        p.reset({ probability: 0.5 })
        const outcomes: boolean[] = []
        for (let i = 0; i < 12; i++) {
          const c = clientOn(keyspace, p, {})
          outcomes.push(
            await c
              .connect()
              .then(() => c.ping())
              .then(
                () => false,
                () => true,
              ),
          )
          c.disconnect()
        }
        return outcomes
      } finally {
        await p.close()
      }
    }
    const first = await run(2024)
    expect(first).toContain(true)
    expect(first).toContain(false)
    expect(await run(2024)).toEqual(first)
  })
})

describe('triggers seen by ioredis', () => {
  test('EXEC: cut before it, the transaction never runs', async ({ through: { proxy, direct, client } }) => {
    const c = await client()
    const trigger = proxy.trigger(onRedis.command('EXEC'))
    const error = await failure(c.multi().set('a', '1').incr('n').exec())
    expect(error.message).toMatch(/ECONNRESET|Connection is closed/)
    expect(trigger.hits).toHaveLength(1)
    expect(await direct.exists('a', 'n')).toBe(0)
  })

  test('EXEC: cut right after it, the transaction ran but the client never heard', async ({
    through: { proxy, direct, client },
  }) => {
    const c = await client()
    await using _t = proxy.trigger(onRedis.command('EXEC'), { at: 'after' })
    await failure(c.multi().set('a', '1').incr('n').exec())
    await expect.poll(() => direct.mget('a', 'n')).toEqual(['1', '1'])
  })

  test('SET on a given key: only that command is hit, and only once', async ({
    through: { proxy, direct, client },
  }) => {
    const c = await client()
    const trigger = proxy.trigger(
      onRedis.command('SET', (args) => args[0] === 'balance'),
      { action: 'close' },
    )
    await c.set('other', '1')
    await failure(c.set('balance', '100'))
    expect(await direct.get('other')).toBe('1')
    expect(await direct.get('balance')).toBeNull()
    expect(trigger.hits.map((h) => h.message)).toEqual(['SET balance 100'])
    const again = await client()
    expect(await again.set('balance', '200')).toBe('OK')
  })
})
