import { setTimeout as sleep } from 'node:timers/promises'
import { expect, test } from '@faultline/vitest'
import type { Channel, ConsumeMessage } from 'amqplib'

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
    /expect\(queue\)\.toDeadLetter\(\{ match, from: 'orders', within: 2000 \}\)\n\nno matching message dead-lettered from 'orders' reached 'orders\.dlq' within 2\.0 s: 0 messages in the queue at the last of \d+ looks\nHint: dead-lettering needs x-dead-letter-exchange/,
  )
  expect(deliveries.get('poison')).toBeGreaterThan(10) // the poison message loops, stealing the consumer's time
  await rabbitmq.channel.cancel(tag)
  await sleep(50)
})
