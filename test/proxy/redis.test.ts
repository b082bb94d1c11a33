import { createProxy, type FaultProxy, redis } from '@faultline/proxy'
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { failure, images, timed } from './support.js'

// Every fault seen by a real ioredis client, through the proxy, against a real Redis. Timings are
// asserted only as lower bounds: a fault guarantees at least its delay, the machine may add more.

let container: StartedRedisContainer
let direct: Redis
let proxy: FaultProxy
const clients: Redis[] = []

beforeAll(async () => {
  container = await new RedisContainer(images.redis).start()
  direct = new Redis({ host: container.getHost(), port: container.getPort() })
}, 120_000) // a container start on a busy machine can take longer than the 10 s hook default

afterAll(async () => {
  direct?.disconnect()
  await container?.stop()
}, 60_000)

beforeEach(async () => {
  proxy = await createProxy({ upstream: `${container.getHost()}:${container.getPort()}`, protocol: 'redis' })
  await direct.flushall()
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect()
  await proxy.close()
})

// A client through the proxy that fails fast instead of retrying, so a fault shows as an error.
async function client(options: { commandTimeout?: number } = {}, errors: string[] = []): Promise<Redis> {
  const c = new Redis({
    host: proxy.host,
    port: proxy.port,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    lazyConnect: true,
    ...options,
  })
  c.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message))
  clients.push(c)
  await c.connect()
  return c
}

describe('pass-through', () => {
  it('stores and reads back random binary values byte-exactly, pipelined', async () => {
    const c = await client()
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
  it('latency: a round trip takes at least the added delay, and is back to normal once healed', async () => {
    const c = await client()
    const slow = proxy.latency({ ms: 100, jitter: 20 })
    const during = await timed(() => c.ping())
    expect(during.result.status).toBe('fulfilled')
    expect(during.ms).toBeGreaterThanOrEqual(80)
    await slow.heal()
    expect(await c.ping()).toBe('PONG')
  })

  it('bandwidth: a large value arrives no faster than the limit', async () => {
    await direct.set('big', Buffer.alloc(100_000, 1))
    const c = await client()
    await using _narrow = proxy.bandwidth({ bytesPerSecond: 200_000 })
    const read = await timed(() => c.getBuffer('big'))
    expect(read.result.status === 'fulfilled' && read.result.value?.length).toBe(100_000)
    expect(read.ms).toBeGreaterThanOrEqual(450)
  })

  it('blackHole: the command times out, the connection stays; healed, the client works again', async () => {
    const c = await client({ commandTimeout: 300 })
    const hole = proxy.blackHole()
    expect((await failure(c.set('k', 'v'))).message).toMatch(/timed out/i)
    expect(c.status).toBe('ready')
    await hole.heal()
    await expect.poll(() => direct.get('k')).toBe('v')
    expect(await c.ping()).toBe('PONG')
  })

  it('reset: the client sees ECONNRESET', async () => {
    const c = await client()
    const closed = new Promise<void>((resolve) => c.once('end', () => resolve()))
    const errors: string[] = []
    c.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message))
    await using _reset = proxy.reset()
    await closed
    expect(errors).toContain('ECONNRESET')
  })

  it('refuse: a new client cannot connect; healed, it can', async () => {
    const down = proxy.refuse()
    const errors: string[] = []
    await failure(client({}, errors))
    expect(errors).toContain('ECONNREFUSED')
    await down.heal()
    expect(await (await client()).ping()).toBe('PONG')
  })

  it('slowClose: the client sees the end of the connection late', async () => {
    const c = await client()
    await using _slow = proxy.slowClose({ ms: 300, direction: 'downstream' })
    const ended = new Promise<void>((resolve) => c.once('end', () => resolve()))
    const quit = await timed(async () => {
      await c.quit()
      await ended
    })
    expect(quit.ms).toBeGreaterThanOrEqual(290)
  })

  it('slicer: replies cut into 1-3 byte pieces still parse to the same values', async () => {
    const value = 'x'.repeat(300)
    await direct.set('k', value)
    const c = await client()
    await using _sliced = proxy.slicer({ size: 2, sizeVariation: 1, delayMs: 0 })
    expect(await c.get('k')).toBe(value)
    expect(await c.mget('k', 'k')).toEqual([value, value])
  })

  it('cutAfter: a reply longer than the budget breaks the connection', async () => {
    await direct.set('big', 'y'.repeat(10_000))
    const c = await client()
    await using _cut = proxy.cutAfter({ bytes: 1_000, direction: 'downstream' })
    expect(await c.ping()).toBe('PONG')
    const error = await failure(c.get('big'))
    expect(error.message).toMatch(/ECONNRESET|Connection is closed/)
  })

  it('probability with a seed: the same connections are affected run after run', async () => {
    const run = async (seed: number): Promise<boolean[]> => {
      const p = await createProxy({ upstream: `${container.getHost()}:${container.getPort()}`, seed })
      try {
        p.reset({ probability: 0.5 })
        const outcomes: boolean[] = []
        for (let i = 0; i < 12; i++) {
          const c = new Redis({
            host: p.host,
            port: p.port,
            retryStrategy: () => null,
            maxRetriesPerRequest: 0,
          })
          c.on('error', () => {})
          outcomes.push(
            await c.ping().then(
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
  it('EXEC: cut before it, the transaction never runs', async () => {
    const c = await client()
    const trigger = proxy.trigger(redis.command('EXEC'))
    const error = await failure(c.multi().set('a', '1').incr('n').exec())
    expect(error.message).toMatch(/ECONNRESET|Connection is closed/)
    expect(trigger.hits).toHaveLength(1)
    expect(await direct.exists('a', 'n')).toBe(0)
  })

  it('EXEC: cut right after it, the transaction ran but the client never heard', async () => {
    const c = await client()
    await using _t = proxy.trigger(redis.command('EXEC'), { at: 'after' })
    await failure(c.multi().set('a', '1').incr('n').exec())
    await expect.poll(() => direct.mget('a', 'n')).toEqual(['1', '1'])
  })

  it('SET on a given key: only that command is hit, and only once', async () => {
    const c = await client()
    const trigger = proxy.trigger(
      redis.command('SET', (args) => args[0] === 'balance'),
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
