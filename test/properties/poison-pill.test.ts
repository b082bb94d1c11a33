import { setTimeout as sleep } from 'node:timers/promises'
import { expect, test } from '@faultline/vitest'
import type { Channel, ConsumeMessage, GetMessage } from 'amqplib'
import { describe } from 'vitest'

// 1,000 good orders and one malformed one. A correct set-up (a quorum queue with a delivery limit and a
// dead-letter queue, a consumer that requeues what it cannot process) ends with the poison message in the
// DLQ — by the broker's own x-death evidence — and every good order processed.

const GOOD = 1_000

async function declare(channel: Channel, withDeadLettering: boolean) {
  await channel.assertQueue('orders.dlq', { durable: true })
  await channel.assertQueue('orders', {
    durable: true,
    arguments: withDeadLettering
      ? {
          'x-queue-type': 'quorum',
          'x-delivery-limit': 2,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': 'orders.dlq',
        }
      : {}, // the naive queue: no limit, no dead-lettering
  })
}

async function publish(channel: Channel) {
  for (let i = 0; i < GOOD; i++) {
    channel.sendToQueue('orders', Buffer.from(JSON.stringify({ id: i })), { messageId: `order-${i}` })
    if (i === 500) channel.sendToQueue('orders', Buffer.from('{not json'), { messageId: 'poison' })
  }
}

/** Processes orders; what it cannot parse it gives back to the broker to try again. */
async function consume(channel: Channel, processed: Set<number>, deliveries: Map<string, number>) {
  await channel.prefetch(50)
  const { consumerTag } = await channel.consume('orders', (m: ConsumeMessage | null) => {
    if (!m) return
    const id = m.properties.messageId as string
    deliveries.set(id, (deliveries.get(id) ?? 0) + 1)
    try {
      processed.add((JSON.parse(m.content.toString()) as { id: number }).id)
      channel.ack(m)
    } catch {
      channel.nack(m, false, true)
    }
  })
  return consumerTag
}

test('the poison message lands in the DLQ after 3 deliveries; the 1,000 good ones are all processed', async ({
  rabbitmq,
}) => {
  await declare(rabbitmq.channel, true)
  const processed = new Set<number>()
  const deliveries = new Map<string, number>()
  const tag = await consume(rabbitmq.channel, processed, deliveries)
  await publish(rabbitmq.channel)

  await expect({ connection: rabbitmq.connection, queue: 'orders.dlq' }).toDeadLetter({
    match: (m) => m.properties.messageId === 'poison',
    from: 'orders',
    within: 10_000,
  })
  await expect.poll(() => processed.size, { timeout: 10_000 }).toBe(GOOD)
  expect(deliveries.get('poison')).toBe(3) // x-delivery-limit 2: the first delivery and two more
  await rabbitmq.channel.cancel(tag)
})

test('a naive set-up (requeue forever, no dead-letter exchange) fails toDeadLetter with the evidence', async ({
  rabbitmq,
}) => {
  await declare(rabbitmq.channel, false)
  const processed = new Set<number>()
  const deliveries = new Map<string, number>()
  const tag = await consume(rabbitmq.channel, processed, deliveries)
  await publish(rabbitmq.channel)

  const error = await expect({ connection: rabbitmq.connection, queue: 'orders.dlq' })
    .toDeadLetter({ match: (m) => m.properties.messageId === 'poison', from: 'orders', within: 2_000 })
    .catch((e: unknown) => e)
  expect(String(error)).toMatch(
    /expect\(queue\)\.toDeadLetter\(\{ match, from: 'orders', within: 2000 \}\)\n\nno matching message dead-lettered from 'orders' reached 'orders\.dlq' within 2\.0 s: 0 messages in the queue at the last of \d+ looks, 0 reads\nHint: dead-lettering needs x-dead-letter-exchange/,
  )
  expect(deliveries.get('poison')).toBeGreaterThan(10) // the poison message loops, stealing the consumer's time
  await rabbitmq.channel.cancel(tag)
  await sleep(50)
})

// A quorum dead-letter queue: RabbitMQ counts any read of its messages as a delivery (basic.get, a consumer,
// the management API's /get: each hands the message back with x-delivery-count + 1), so the matcher must
// judge it without reading. Two identical poison flows: one DLQ the matcher looks at, one it never sees;
// their messages must come out the same.
describe('toDeadLetter on a quorum dead-letter queue', () => {
  async function poisonFlow(channel: Channel, name: string) {
    await channel.assertQueue(`${name}.dlq`, { durable: true, arguments: { 'x-queue-type': 'quorum' } })
    await channel.assertQueue(name, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': 1,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': `${name}.dlq`,
      },
    })
    const { consumerTag } = await channel.consume(name, (m) => m && channel.nack(m, false, true))
    channel.sendToQueue(name, Buffer.from('{not json'), { messageId: 'poison' })
    await expect
      .poll(async () => (await channel.checkQueue(`${name}.dlq`)).messageCount, { timeout: 10_000 })
      .toBe(1)
    await channel.cancel(consumerTag)
  }

  /** Takes the one message off the queue (consumed, so it is not handed back). */
  async function take(channel: Channel, queue: string): Promise<GetMessage> {
    const m = await channel.get(queue, { noAck: true })
    if (m === false) throw new Error(`${queue} is empty`)
    return m
  }

  const delivery = (m: GetMessage) => ({
    redelivered: m.fields.redelivered,
    deliveryCount: m.properties.headers?.['x-delivery-count'],
  })

  test('judges by count without reading: the x-delivery-count of the dead-lettered message is unchanged', async ({
    rabbitmq,
  }) => {
    await poisonFlow(rabbitmq.channel, 'orders')
    await poisonFlow(rabbitmq.channel, 'control')
    const error = await expect({ connection: rabbitmq.connection, queue: 'orders.dlq' })
      .not.toDeadLetter({ within: 5_000 })
      .catch((e: unknown) => String(e))
    expect(error).toMatch(/1 message in 'orders\.dlq' after [\d.]+ s \(\d+ looks?, 0 reads\)/)
    expect(error).toContain("counted, not read: 'orders.dlq' is a quorum queue")
    const looked = await take(rabbitmq.channel, 'orders.dlq')
    const untouched = await take(rabbitmq.channel, 'control.dlq')
    expect(delivery(looked)).toEqual(delivery(untouched))
    expect(looked.properties.headers?.['x-first-death-queue']).toBe('orders')
  })

  test('refuses match and from, which would need a read, and leaves the message as it was', async ({
    rabbitmq,
  }) => {
    await poisonFlow(rabbitmq.channel, 'orders')
    await poisonFlow(rabbitmq.channel, 'control')
    const ref = { connection: rabbitmq.connection, queue: 'orders.dlq' }
    await expect(
      expect(ref).toDeadLetter({ match: (m) => m.properties.messageId === 'poison', within: 5_000 }),
    ).rejects.toThrow(/^match: 'orders\.dlq' is a quorum queue: toDeadLetter reads only classic queues/)
    await expect(expect(ref).toDeadLetter({ from: 'orders', within: 5_000 })).rejects.toThrow(/^from: /)
    expect(delivery(await take(rabbitmq.channel, 'orders.dlq'))).toEqual(
      delivery(await take(rabbitmq.channel, 'control.dlq')),
    )
  })
})

test("toDeadLetter reads its own vhost's classic DLQ when another vhost holds a quorum queue of that name", async ({
  rabbitmq,
  services,
}) => {
  await using other = await services.rabbitmq().isolate()
  const elsewhere = await services.rabbitmq().connect(other.vhost)
  try {
    const channel = await elsewhere.createChannel()
    await channel.assertQueue('orders.dlq', { durable: true, arguments: { 'x-queue-type': 'quorum' } })
  } finally {
    await elsewhere.close()
  }
  await declare(rabbitmq.channel, true) // here: a classic orders.dlq
  const tag = await consume(rabbitmq.channel, new Set(), new Map())
  rabbitmq.channel.sendToQueue('orders', Buffer.from('{not json'), { messageId: 'poison' })
  await expect({ connection: rabbitmq.connection, queue: 'orders.dlq' }).toDeadLetter({
    match: (m) => m.properties.messageId === 'poison',
    from: 'orders',
    within: 10_000,
  })
  await rabbitmq.channel.cancel(tag)
})

describe('toDeadLetter waits with a deadline and a signal', () => {
  test('an aborted signal ends the wait at once, with an error rather than a verdict', async ({
    rabbitmq,
  }) => {
    await rabbitmq.channel.assertQueue('orders.dlq', { durable: true })
    const started = performance.now()
    await expect(
      expect({ connection: rabbitmq.connection, queue: 'orders.dlq' }).toDeadLetter({
        within: 30_000,
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow(/toDeadLetter: the wait for 'orders\.dlq' was aborted after [\d.]+ s .*: no verdict/)
    expect(performance.now() - started).toBeLessThan(15_000) // half the deadline: it did not wait it out
  })

  test('a missing queue is named at the deadline', async ({ rabbitmq }) => {
    const error = await expect({ connection: rabbitmq.connection, queue: 'nowhere.dlq' })
      .toDeadLetter({ within: 300 })
      .catch((e: unknown) => String(e))
    expect(error).toMatch(
      /reached 'nowhere\.dlq' within 0\.3 s: the queue does not exist \(\d+ looks, 0 reads\)/,
    )
  })
})
