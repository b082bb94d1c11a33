import { amqp, createProxy, type FaultProxy } from '@faultline/proxy'
import { RabbitMQContainer, type StartedRabbitMQContainer } from '@testcontainers/rabbitmq'
import amqplib from 'amqplib'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { failure, images, timed } from './support.js'

// AMQP 0-9-1 triggers with a real amqplib client through the proxy; a direct connection is the witness of
// what the broker holds.

let container: StartedRabbitMQContainer
let direct: amqplib.ChannelModel
let witness: amqplib.Channel
let proxy: FaultProxy
const connections: amqplib.ChannelModel[] = []
let queueCount = 0

beforeAll(async () => {
  container = await new RabbitMQContainer(images.rabbitmq).start()
  direct = await amqplib.connect(container.getAmqpUrl())
  witness = await direct.createChannel()
}, 120_000) // RabbitMQ takes ~7 s; more on a busy machine

afterAll(async () => {
  await direct?.close()
  await container?.stop()
}, 60_000)

beforeEach(async () => {
  const upstream = `${container.getHost()}:${container.getMappedPort(5672)}`
  proxy = await createProxy({ upstream, protocol: 'amqp' })
})

afterEach(async () => {
  for (const c of connections.splice(0)) await c.close().catch(() => {})
  await proxy.close()
})

async function connect(): Promise<amqplib.ChannelModel & { lost: Promise<void> }> {
  const url = new URL(container.getAmqpUrl())
  url.host = proxy.endpoint
  const c = await amqplib.connect(url.toString())
  c.on('error', () => {})
  connections.push(c)
  const lost = new Promise<void>((resolve) => c.once('close', () => resolve()))
  return Object.assign(c, { lost })
}

async function queue(): Promise<string> {
  const name = `proxy-test-${++queueCount}`
  await witness.assertQueue(name, { durable: false })
  return name
}

const depth = async (name: string): Promise<number> => (await witness.checkQueue(name)).messageCount

describe('triggers seen by amqplib', () => {
  it('basic.publish, before: the connection dies and the broker never gets the message', async () => {
    const name = await queue()
    const c = await connect()
    const ch = await c.createConfirmChannel()
    ch.on('error', () => {})
    const trigger = proxy.trigger(amqp.method('basic.publish'))
    ch.sendToQueue(name, Buffer.from('lost'))
    await failure(ch.waitForConfirms())
    await c.lost
    expect(trigger.hits.map((h) => h.message)).toEqual(['basic.publish (channel 1)'])
    expect(await depth(name)).toBe(0)
  })

  it('basic.publish, after: the broker has the whole message, the publisher never got the confirm', async () => {
    const name = await queue()
    const c = await connect()
    const ch = await c.createConfirmChannel()
    ch.on('error', () => {})
    await using _t = proxy.trigger(amqp.method('basic.publish'), { at: 'after' })
    ch.sendToQueue(name, Buffer.from('x'.repeat(10_000)))
    await failure(ch.waitForConfirms())
    await expect.poll(() => depth(name)).toBe(1)
    const got = await witness.get(name, { noAck: true })
    expect(got ? got.content.length : 0).toBe(10_000)
  })

  it('basic.ack: the ack never arrives, so the broker redelivers the message', async () => {
    const name = await queue()
    witness.sendToQueue(name, Buffer.from('work'))
    const c = await connect()
    const ch = await c.createChannel()
    ch.on('error', () => {})
    await using _t = proxy.trigger(amqp.method('basic.ack'))
    const delivered = new Promise<amqplib.ConsumeMessage>((resolve) =>
      ch.consume(name, (m) => {
        if (m) resolve(m)
      }),
    )
    ch.ack(await delivered)
    await c.lost
    await expect.poll(() => depth(name)).toBe(1)
    const again = await witness.get(name, { noAck: true })
    expect(again ? again.fields.redelivered : false).toBe(true)
  })
})

describe('docs/proxy.md', () => {
  it('cut at basic.ack', async () => {
    const brokerAddress = `${container.getHost()}:${container.getMappedPort(5672)}`
    const name = await queue()
    witness.sendToQueue(name, Buffer.from('job'))
    // #region ackTrigger
    await using proxy = await createProxy({ upstream: brokerAddress, protocol: 'amqp' })
    const url = new URL(container.getAmqpUrl())
    url.host = proxy.endpoint
    const connection = await amqplib.connect(url.toString())
    connection.on('error', () => {})
    const closed = new Promise((resolve) => connection.once('close', resolve))
    const channel = await connection.createChannel()

    await using _cut = proxy.trigger(amqp.method('basic.ack')) // the ack never reaches the broker
    const job = await channel.get(name)
    if (job) channel.ack(job)
    await closed

    await expect.poll(() => depth(name)).toBe(1) // the broker will deliver the job again
    // #endregion
  })
})

describe('faults seen by amqplib', () => {
  it('latency: a broker round trip takes at least the delay', async () => {
    const name = await queue()
    const c = await connect()
    const ch = await c.createChannel()
    await using _slow = proxy.latency({ ms: 100 })
    const q = await timed(() => ch.checkQueue(name))
    expect(q.result.status).toBe('fulfilled')
    expect(q.ms).toBeGreaterThanOrEqual(99)
  })

  it('reset: the connection closes with an error', async () => {
    const c = await connect()
    const errors: string[] = []
    c.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message))
    await using _reset = proxy.reset()
    await c.lost
    expect(errors.join(' ')).toMatch(/ECONNRESET|closed/i)
  })
})
