import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { onAmqp, onPostgres, onRedis } from './protocols/matchers.js'
import * as wire from './protocols/wire.test-support.js'
import { createProxy, type FaultProxy } from './proxy.js'
import { collect, dial, listen, sleep } from './test-support/net.js'

// Triggers against a recording service: what reached the service, byte for byte, tells where the
// trigger acted. Real clients and servers are in test/proxy.

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close()
})

interface Recorded {
  data: Buffer
  error: string | undefined
  ended: boolean
}

async function setup(
  protocol: 'postgres' | 'redis' | 'amqp',
): Promise<{ proxy: FaultProxy; served: Array<Promise<Recorded>> }> {
  const served: Array<Promise<Recorded>> = []
  const service = await listen((socket) => {
    served.push(collect(socket))
  })
  cleanup.push(service.close)
  const proxy = await createProxy({ upstream: service.endpoint, protocol })
  cleanup.push(() => proxy.close())
  return { proxy, served }
}

async function served(list: Array<Promise<Recorded>>, index = 0): Promise<Recorded> {
  await expect.poll(() => list.length > index).toBe(true)
  return list[index]!
}

const multi = wire.resp('MULTI')
const set = wire.resp('SET', 'k', 'v')
const exec = wire.resp('EXEC')

describe('trigger', () => {
  it('resets before the matching message: the service gets every byte before it and none of it', async () => {
    const { proxy, served: list } = await setup('redis')
    const trigger = proxy.trigger(onRedis.command('EXEC'))
    const client = await dial(proxy.port)
    const result = collect(client)
    client.write(Buffer.concat([multi, set, exec, wire.resp('PING')]))
    expect((await result).error).toBe('ECONNRESET')
    const service = await served(list)
    expect(service.data.equals(Buffer.concat([multi, set]))).toBe(true)
    expect(trigger.hits).toMatchObject([{ connection: 1, message: 'EXEC' }])
  })

  it('acts before a message split across reads', async () => {
    const { proxy, served: list } = await setup('redis')
    await using _t = proxy.trigger(onRedis.command('EXEC'), { action: 'close' })
    const client = await dial(proxy.port)
    const result = collect(client)
    client.write(Buffer.concat([multi, exec.subarray(0, 3)]))
    await sleep(20)
    client.write(exec.subarray(3))
    expect(await result).toMatchObject({ error: undefined, ended: true })
    expect((await served(list)).data.equals(multi)).toBe(true)
  })

  it('after: the service gets the whole message and a clean end; the client never sees the answer', async () => {
    const { proxy, served: list } = await setup('redis')
    await using _t = proxy.trigger(onRedis.command('SET'), { at: 'after', action: 'reset' })
    const client = await dial(proxy.port)
    const result = collect(client)
    client.write(Buffer.concat([multi, set, exec]))
    expect((await result).error).toBe('ECONNRESET')
    const service = await served(list)
    expect(service.data.equals(Buffer.concat([multi, set]))).toBe(true)
    expect(service.ended).toBe(true)
  })

  it('black-holes the connection at the message: nothing more passes, nothing closes', async () => {
    const { proxy, served: list } = await setup('redis')
    await using _t = proxy.trigger(onRedis.command('EXEC'), { action: 'blackHole' })
    const client = await dial(proxy.port)
    client.write(Buffer.concat([multi, exec]))
    await sleep(200)
    expect(client.destroyed).toBe(false)
    expect(proxy.stats().open).toBe(1)
    client.destroy()
    await proxy.close()
    expect((await served(list)).data.equals(multi)).toBe(true)
  })

  it('acts at the n-th match, counted over connections, as many times as asked', async () => {
    const { proxy, served: list } = await setup('postgres')
    const trigger = proxy.trigger(onPostgres.query(), { nth: 2, times: 2 })
    const sockets: Socket[] = []
    const results: Array<Promise<Recorded>> = []
    for (let i = 0; i < 3; i++) {
      const client = await dial(proxy.port)
      sockets.push(client)
      results.push(collect(client))
      client.write(Buffer.concat([wire.pgStartup({ user: 'u' }), wire.pgQuery(`select ${i}`)]))
      await expect.poll(() => list.length).toBe(i + 1)
    }
    await expect.poll(() => trigger.hits.length).toBe(2)
    expect(trigger.hits.map((h) => [h.connection, h.message])).toEqual([
      [2, 'Q select 1'],
      [3, 'Q select 2'],
    ])
    expect((await results[1]!).error).toBe('ECONNRESET')
    expect((await results[2]!).error).toBe('ECONNRESET')
    sockets[0]!.end()
    expect((await results[0]!).error).toBeUndefined()
  })

  it('matches COMMIT in the simple and the extended protocol', async () => {
    const { proxy, served: list } = await setup('postgres')
    const trigger = proxy.trigger(onPostgres.commit(), { times: Number.POSITIVE_INFINITY })
    const simple = await dial(proxy.port)
    const simpleResult = collect(simple)
    simple.write(
      Buffer.concat([wire.pgStartup({ user: 'u' }), wire.pgQuery('BEGIN'), wire.pgQuery('COMMIT')]),
    )
    expect((await simpleResult).error).toBe('ECONNRESET')
    const extended = await dial(proxy.port)
    const extendedResult = collect(extended)
    const before = Buffer.concat([
      wire.pgStartup({ user: 'u' }),
      wire.pgParse('', 'COMMIT'),
      wire.pgBind('', ''),
    ])
    extended.write(Buffer.concat([before, wire.pgExecute(''), wire.pgSync()]))
    expect((await extendedResult).error).toBe('ECONNRESET')
    expect(trigger.hits.map((h) => h.message)).toEqual(['Q COMMIT', 'E COMMIT'])
    expect((await served(list, 1)).data.equals(before)).toBe(true)
  })

  it('matches an AMQP method', async () => {
    const { proxy, served: list } = await setup('amqp')
    await using _t = proxy.trigger(onAmqp.method('basic.ack'))
    const client = await dial(proxy.port)
    const result = collect(client)
    const before = Buffer.concat([wire.amqpHeader(), wire.amqpMethod(1, 20, 10, Buffer.alloc(1))])
    client.write(Buffer.concat([before, wire.amqpMethod(1, 60, 80, Buffer.alloc(9))]))
    expect((await result).error).toBe('ECONNRESET')
    expect((await served(list)).data.equals(before)).toBe(true)
  })

  it('healed, it stops matching', async () => {
    const { proxy, served: list } = await setup('redis')
    const trigger = proxy.trigger(onRedis.command('EXEC'), { times: Number.POSITIVE_INFINITY })
    await trigger.heal()
    const client = await dial(proxy.port)
    client.write(Buffer.concat([multi, exec]))
    await expect.poll(async () => list.length).toBe(1)
    client.end()
    expect((await served(list)).data.equals(Buffer.concat([multi, exec]))).toBe(true)
    expect(trigger.hits).toHaveLength(0)
  })

  it('before a message longer than the framing window: none of it reaches the service', async () => {
    const { proxy, served: list } = await setup('postgres')
    const trigger = proxy.trigger(onPostgres.query(/^INSERT/))
    const client = await dial(proxy.port)
    const result = collect(client)
    const before = Buffer.concat([wire.pgStartup({ user: 'u' }), wire.pgQuery('BEGIN')])
    client.write(Buffer.concat([before, wire.pgQuery(`INSERT INTO t VALUES ('${'x'.repeat(1 << 20)}')`)]))
    expect((await result).error).toBe('ECONNRESET')
    expect((await served(list)).data.equals(before)).toBe(true)
    expect(trigger.hits).toHaveLength(1)
    expect(trigger.hits[0]!.message.startsWith('Q INSERT INTO t')).toBe(true)
  })

  it('after a command longer than the framing window: the service gets all of it, then the end', async () => {
    const { proxy, served: list } = await setup('redis')
    await using _t = proxy.trigger(
      onRedis.command('SET', (args) => args[0] === 'big'),
      { at: 'after' },
    )
    const client = await dial(proxy.port)
    const result = collect(client)
    const big = wire.resp('SET', 'big', 'v'.repeat(1 << 20), 'EX', '60')
    client.write(Buffer.concat([multi, big, exec]))
    expect((await result).error).toBe('ECONNRESET')
    const service = await served(list)
    expect(service.data.equals(Buffer.concat([multi, big]))).toBe(true)
    expect(service.ended).toBe(true)
  })

  it('after a publish with a large body: the broker gets the whole message, then the end', async () => {
    const { proxy, served: list } = await setup('amqp')
    await using _t = proxy.trigger(onAmqp.method('basic.publish'), { at: 'after', action: 'close' })
    const client = await dial(proxy.port)
    const result = collect(client)
    const before = Buffer.concat([wire.amqpHeader(), wire.amqpMethod(1, 20, 10, Buffer.alloc(1))])
    const publish = Buffer.concat(wire.amqpPublish(1, Buffer.alloc(1 << 20, 7), 131_064))
    client.write(Buffer.concat([before, publish, wire.amqpMethod(1, 90, 20, Buffer.alloc(0))]))
    expect(await result).toMatchObject({ error: undefined, ended: true })
    const service = await served(list)
    expect(service.data.equals(Buffer.concat([before, publish]))).toBe(true)
    expect(service.ended).toBe(true)
  })

  it('says which protocol a matcher needs', async () => {
    const { proxy } = await setup('redis')
    expect(() => proxy.trigger(onPostgres.commit())).toThrow(
      /postgres COMMIT needs postgres framing; this proxy frames redis/,
    )
    const plain = await createProxy({ upstream: '127.0.0.1:9' })
    cleanup.push(() => plain.close())
    expect(() => plain.trigger(onRedis.command('EXEC'))).toThrow(/protocol: 'redis'/)
    expect(() => onAmqp.method('basic.teleport')).toThrow(/'basic.ack'/)
    expect(() => proxy.trigger(onRedis.command('GET'), { at: 'during' as never })).toThrow(
      /'before', 'after'/,
    )
  })
})
