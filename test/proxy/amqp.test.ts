import { createProxy, type FaultProxy, onAmqp } from '@faultline/proxy'
import { test as base, type RabbitMQFixture } from '@faultline/vitest'
import amqplib from 'amqplib'
import { describe, expect, onTestFinished } from 'vitest'
import { failure, fastest } from './support.js'

// AMQP 0-9-1 triggers with a real amqplib client through the proxy, against the run's RabbitMQ (a vhost of
// each test's own); the fixture's channel is the witness of what the broker holds.

interface Through {
  proxy: FaultProxy
  /** A connection through the proxy, with a promise that settles when it is lost. */
  connect: () => Promise<amqplib.ChannelModel & { lost: Promise<void> }>
  /** A fresh queue, declared directly. */
  queue: () => Promise<string>
  /** Messages ready in a queue, read directly. */
  depth: (name: string) => Promise<number>
}

let queueCount = 0

function queues(vhost: RabbitMQFixture) {
  const queue = async (): Promise<string> => {
    const name = `proxy-test-${++queueCount}`
    await vhost.channel.assertQueue(name, { durable: false })
    return name
  }
  const depth = async (name: string): Promise<number> => (await vhost.channel.checkQueue(name)).messageCount
  return { queue, depth }
}

const test = base.extend('through', async ({ rabbitmq: vhost }, { onCleanup }): Promise<Through> => {
  const proxy = await createProxy({ upstream: vhost }) // amqp://: framed as AMQP
  onCleanup(() => proxy.close())
  const connect = async () => {
    const c = await amqplib.connect(proxy.url(vhost.url))
    c.on('error', () => {})
    onTestFinished(() => c.close().catch(() => {}))
    const lost = new Promise<void>((resolve) => c.once('close', () => resolve()))
    return Object.assign(c, { lost })
  }
  return { proxy, connect, ...queues(vhost) }
})

describe('triggers seen by amqplib', () => {
  test('basic.publish, before: the connection dies and the broker never gets the message', async ({
    through: { proxy, connect, queue, depth },
  }) => {
    const name = await queue()
    const c = await connect()
    const ch = await c.createConfirmChannel()
    ch.on('error', () => {})
    const trigger = proxy.trigger(onAmqp.method('basic.publish'))
    ch.sendToQueue(name, Buffer.from('lost'))
    await failure(ch.waitForConfirms())
    await c.lost
    expect(trigger.hits.map((h) => h.message)).toEqual(['basic.publish (channel 1)'])
    expect(await depth(name)).toBe(0)
  })

  test('basic.publish, after: the broker has the whole message, the publisher never got the confirm', async ({
    rabbitmq,
    through: { proxy, connect, queue, depth },
  }) => {
    const name = await queue()
    const c = await connect()
    const ch = await c.createConfirmChannel()
    ch.on('error', () => {})
    await using _t = proxy.trigger(onAmqp.method('basic.publish'), { at: 'after' })
    ch.sendToQueue(name, Buffer.from('x'.repeat(10_000)))
    await failure(ch.waitForConfirms())
    await expect.poll(() => depth(name)).toBe(1)
    const got = await rabbitmq.channel.get(name, { noAck: true })
    expect(got ? got.content.length : 0).toBe(10_000)
  })

  test('basic.ack: the ack never arrives, so the broker redelivers the message', async ({
    rabbitmq,
    through: { proxy, connect, queue, depth },
  }) => {
    const name = await queue()
    rabbitmq.channel.sendToQueue(name, Buffer.from('work'))
    const c = await connect()
    const ch = await c.createChannel()
    ch.on('error', () => {})
    await using _t = proxy.trigger(onAmqp.method('basic.ack'))
    const delivered = new Promise<amqplib.ConsumeMessage>((resolve) =>
      ch.consume(name, (m) => {
        if (m) resolve(m)
      }),
    )
    ch.ack(await delivered)
    await c.lost
    await expect.poll(() => depth(name)).toBe(1)
    const again = await rabbitmq.channel.get(name, { noAck: true })
    expect(again ? again.fields.redelivered : false).toBe(true)
  })
})

describe('docs/proxy.md', () => {
  test('cut at basic.ack', async ({ rabbitmq }) => {
    const { queue, depth } = queues(rabbitmq)
    const name = await queue()
    rabbitmq.channel.sendToQueue(name, Buffer.from('job'))
    // #region ackTrigger
    await using proxy = await createProxy({ upstream: rabbitmq }) // an amqp:// URL: framed as AMQP
    const connection = await amqplib.connect(proxy.url(rabbitmq.url)) // the test's vhost, through the proxy
    connection.on('error', () => {})
    const closed = new Promise((resolve) => connection.once('close', resolve))
    const channel = await connection.createChannel()

    await using _cut = proxy.trigger(onAmqp.method('basic.ack')) // the ack never reaches the broker
    const job = await channel.get(name)
    if (job) channel.ack(job)
    await closed

    await expect.poll(() => depth(name)).toBe(1) // the broker will deliver the job again
    // #endregion
  })
})

describe('faults seen by amqplib', () => {
  test('latency: a broker round trip takes at least the delay', async ({
    through: { proxy, connect, queue },
  }) => {
    const name = await queue()
    const c = await connect()
    const ch = await c.createChannel()
    const check = async () => expect((await ch.checkQueue(name)).queue).toBe(name)
    const baseline = await fastest(check, 5)
    await using _slow = proxy.latency({ ms: 100 })
    // Every answer waits 100 ms; above that only what the machine adds (generous margin).
    const slowed = await fastest(check, 2)
    expect(slowed).toBeGreaterThanOrEqual(100)
    expect(slowed - baseline).toBeLessThan(100 + 500)
  })

  test('reset: the connection closes with an error', async ({ through: { proxy, connect } }) => {
    const c = await connect()
    const errors: string[] = []
    c.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message))
    await using _reset = proxy.reset()
    await c.lost
    expect(errors.join(' ')).toMatch(/ECONNRESET|closed/i)
  })
})
