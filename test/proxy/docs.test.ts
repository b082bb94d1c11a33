// The examples of docs/proxy.md, run against a real Redis. Each `#region` is shown verbatim on that page
// (packages/proxy/src/docs.test.ts checks it), so the page cannot drift from code that works.
import { createProxy, type FaultRecord, redis } from '@faultline/proxy'
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { images } from './support.js'

let container: StartedRedisContainer
let redisAddress: string
let direct: Redis
const clients: Redis[] = []

beforeAll(async () => {
  container = await new RedisContainer(images.redis).start()
  redisAddress = `${container.getHost()}:${container.getPort()}`
  direct = new Redis({ host: container.getHost(), port: container.getPort() })
}, 120_000) // a container start on a busy machine can take longer than the 10 s hook default

afterAll(async () => {
  for (const c of clients) c.disconnect()
  direct?.disconnect()
  await container?.stop()
}, 60_000)

// A client that fails at once instead of retrying, so a fault shows as an error.
function connect(address: { host: string; port: number }, options: { commandTimeout?: number } = {}): Redis {
  const client = new Redis({ ...address, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options })
  client.on('error', () => {})
  clients.push(client)
  return client
}

describe('docs/proxy.md', () => {
  it('quick start', async () => {
    // #region quickstart
    await using proxy = await createProxy({ upstream: redisAddress })
    const client = connect({ host: proxy.host, port: proxy.port })

    {
      await using _slow = proxy.latency({ ms: 100 }) // answers arrive 100 ms late
      const started = performance.now()
      await client.ping()
      expect(performance.now() - started).toBeGreaterThanOrEqual(100)
    } // healed here

    expect(proxy.timeline.map((f) => f.name)).toEqual(['latency'])
    // #endregion
  })

  it('latency', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    const client = connect({ host: proxy.host, port: proxy.port })
    // #region latency
    const slow = proxy.latency({ ms: 50, jitter: 10, direction: 'both' }) // 40-60 ms each way
    await client.ping() // at least 80 ms
    await slow.heal() // open connections forward at full speed again
    // #endregion
  })

  it('bandwidth', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    const client = connect({ host: proxy.host, port: proxy.port })
    await direct.set('report', 'r'.repeat(50_000))
    // #region bandwidth
    await using _narrow = proxy.bandwidth({ bytesPerSecond: 100_000 })
    const started = performance.now()
    await client.get('report') // 50 kB at 100 kB/s
    expect(performance.now() - started).toBeGreaterThanOrEqual(450)
    // #endregion
  })

  it('blackHole', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    // #region blackHole
    const client = connect({ host: proxy.host, port: proxy.port }, { commandTimeout: 200 })
    await client.ping()
    const hole = proxy.blackHole()
    await expect(client.get('k')).rejects.toThrow(/timed out/)
    await hole.heal() // what waited is delivered; the connection goes on
    expect(await client.ping()).toBe('PONG')
    // #endregion
  })

  it('reset', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    // #region reset
    const client = connect({ host: proxy.host, port: proxy.port })
    await client.ping()
    const closed = new Promise((resolve) => client.once('end', resolve))
    await using _reset = proxy.reset() // RST to both sides, now and for each new connection
    await closed
    // #endregion
  })

  it('refuse', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    // #region refuse
    const down = proxy.refuse() // the port is closed: ECONNREFUSED
    const errors: string[] = []
    const client = connect({ host: proxy.host, port: proxy.port })
    client.on('error', (e: NodeJS.ErrnoException) => errors.push(String(e.code)))
    await expect(client.ping()).rejects.toThrow()
    expect(errors).toContain('ECONNREFUSED')
    await down.heal() // listening again, same port
    // #endregion
  })

  it('slowClose', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    const client = connect({ host: proxy.host, port: proxy.port })
    await client.ping()
    // #region slowClose
    await using _lingering = proxy.slowClose({ ms: 300, direction: 'downstream' })
    const ended = new Promise((resolve) => client.once('end', resolve))
    const started = performance.now()
    await client.quit()
    await ended // the server's FIN reaches the client 300 ms late
    expect(performance.now() - started).toBeGreaterThanOrEqual(300)
    // #endregion
  })

  it('slicer', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    const client = connect({ host: proxy.host, port: proxy.port })
    await direct.set('k', 'v'.repeat(300))
    await client.ping() // past ioredis' ready check (a 5 kB INFO reply)
    // #region slicer
    await using _sliced = proxy.slicer({ size: 3, sizeVariation: 2, delayMs: 1 }) // 1-5 byte reads
    expect(await client.get('k')).toBe('v'.repeat(300)) // the client's parser copes
    // #endregion
  })

  it('cutAfter', async () => {
    await using proxy = await createProxy({ upstream: redisAddress })
    const client = connect({ host: proxy.host, port: proxy.port })
    await client.ping()
    await direct.set('big', 'b'.repeat(10_000))
    // #region cutAfter
    await using _cut = proxy.cutAfter({ bytes: 4_096, direction: 'downstream' })
    await expect(client.get('big')).rejects.toThrow() // 4,096 bytes arrive, then an RST
    // #endregion
  })

  it('probability and seed', async () => {
    // #region probability
    const resetCount = async (seed: number) => {
      await using proxy = await createProxy({ upstream: redisAddress, seed })
      proxy.reset({ probability: 0.3 }) // each connection: a seeded 30 % draw
      let resets = 0
      for (let i = 0; i < 10; i++) {
        const client = connect({ host: proxy.host, port: proxy.port })
        await client.ping().catch(() => resets++)
      }
      return resets
    }
    expect(await resetCount(7)).toBe(await resetCount(7)) // same seed, same connections
    // #endregion
  })

  it('timeline', async () => {
    // #region timeline
    const faults: FaultRecord[] = []
    await using proxy = await createProxy({
      upstream: redisAddress,
      onFault: (record, event) => {
        if (event === 'heal') faults.push(record)
      },
    })
    const hole = proxy.blackHole({ direction: 'upstream' })
    await hole.heal()
    expect(faults).toEqual([
      expect.objectContaining({ name: 'blackHole', direction: 'upstream', startedAt: expect.any(Number) }),
    ])
    expect(faults[0]!.healedAt).toBeGreaterThanOrEqual(faults[0]!.startedAt)
    // #endregion
  })

  it('redis trigger', async () => {
    // #region redisTrigger
    await using proxy = await createProxy({ upstream: redisAddress, protocol: 'redis' })
    const client = connect({ host: proxy.host, port: proxy.port })
    await using exec = proxy.trigger(redis.command('EXEC')) // reset before EXEC reaches Redis
    await expect(client.multi().set('paid', '1').exec()).rejects.toThrow()
    expect(exec.hits).toHaveLength(1)
    expect(await direct.exists('paid')).toBe(0) // the transaction never ran
    // #endregion
  })
})
