import { monitorQueueDepth } from '@faultline/containers'
import { expect, test } from '@faultline/vitest'
import type { ConfirmChannel } from 'amqplib'
import { describe } from 'vitest'

// Consumers gone, producers keep publishing into a queue declared with `x-max-length: 50` and
// `x-overflow: reject-publish`. What the bound really is depends on the queue type (RabbitMQ's images here:
// 3.10): a classic queue checks before it enqueues, so it never holds more than 50; a quorum queue checks
// after (it blocks its publishers once it holds *more* than 50), so it takes the publish that goes over, and
// every publish already in flight when it does. Both store exactly what they confirmed, nothing they nacked.

const LIMIT = 50
const TOTAL = 200
const bounded = (type: 'classic' | 'quorum') => ({
  durable: true,
  arguments: { 'x-queue-type': type, 'x-max-length': LIMIT, 'x-overflow': 'reject-publish' },
})

/** One publish: true when the broker confirmed it, false on its nack. */
const publish = (channel: ConfirmChannel, i: number) =>
  new Promise<boolean>((resolve) =>
    channel.sendToQueue('jobs', Buffer.from(`m${i}`), { persistent: true }, (err) => resolve(!err)),
  )

/** Lets the monitor take a few samples after the last confirm, so its peak includes the final depth. */
const settled = async (depth: { samples: readonly unknown[] }) => {
  const after = depth.samples.length
  await expect.poll(() => depth.samples.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(after + 3)
}

const tally = (results: boolean[]) => ({
  acked: results.filter(Boolean).length,
  nacked: results.filter((ok) => !ok).length,
})

describe('x-max-length 50 with reject-publish', () => {
  test('a classic queue never holds more than 50, even with all 200 publishes in flight at once', async ({
    rabbitmq,
    services,
  }) => {
    const channel = await rabbitmq.connection.createConfirmChannel()
    await channel.assertQueue('jobs', bounded('classic'))
    const depth = monitorQueueDepth(services.rabbitmq(), 'jobs', { vhost: rabbitmq.vhost, interval: 10 })
    const results = await Promise.all(Array.from({ length: TOTAL }, (_, i) => publish(channel, i)))
    await settled(depth)
    const monitor = await depth.stop()
    expect(monitor).toNeverExceed(LIMIT)
    expect(tally(results)).toEqual({ acked: 50, nacked: 150 }) // a nack for each one over
    expect((await channel.checkQueue('jobs')).messageCount).toBe(50)
  })

  test('a quorum queue takes the publish that goes over: 51 with one publisher waiting for each confirm', async ({
    rabbitmq,
    services,
  }) => {
    const channel = await rabbitmq.connection.createConfirmChannel()
    await channel.assertQueue('jobs', bounded('quorum'))
    const depth = monitorQueueDepth(services.rabbitmq(), 'jobs', { vhost: rabbitmq.vhost, interval: 10 })
    const results: boolean[] = []
    for (let i = 0; i < TOTAL; i++) results.push(await publish(channel, i)) // one publish in flight at a time
    await settled(depth)
    const monitor = await depth.stop()
    expect(tally(results)).toEqual({ acked: 51, nacked: 149 })
    expect((await channel.checkQueue('jobs')).messageCount).toBe(51)
    expect(monitor).toNeverExceed(LIMIT + 1)
    expect(() => expect(monitor).toNeverExceed(LIMIT)).toThrow(/peaked at 51 messages > 50 messages/)
  })

  test('a quorum queue also takes what is in flight when it fills: at most 50 + 1 per publisher waiting for each confirm', async ({
    rabbitmq,
  }) => {
    await rabbitmq.channel.assertQueue('jobs', bounded('quorum'))
    const publishers = 5
    const results = await Promise.all(
      Array.from({ length: publishers }, async (_, p) => {
        const channel = await rabbitmq.connection.createConfirmChannel()
        const mine: boolean[] = []
        for (let i = 0; i < TOTAL / publishers; i++) mine.push(await publish(channel, p * 1_000 + i))
        return mine
      }),
    )
    const { acked, nacked } = tally(results.flat())
    expect(acked + nacked).toBe(TOTAL)
    expect(acked).toBeGreaterThanOrEqual(LIMIT + 1)
    expect(acked).toBeLessThanOrEqual(LIMIT + publishers)
    expect((await rabbitmq.channel.checkQueue('jobs')).messageCount).toBe(acked)
  })

  test('a quorum queue stores exactly what it confirmed, even when all 200 publishes are in flight at once', async ({
    rabbitmq,
  }) => {
    const channel = await rabbitmq.connection.createConfirmChannel()
    await channel.assertQueue('jobs', bounded('quorum'))
    const { acked, nacked } = tally(
      await Promise.all(Array.from({ length: TOTAL }, (_, i) => publish(channel, i))),
    )
    // How far over it goes depends on how many publishes reach the queue before it tells the channel to
    // reject (on this broker, usually all 200): the bound is on what the publisher has in flight.
    expect(acked + nacked).toBe(TOTAL)
    expect(acked).toBeGreaterThanOrEqual(LIMIT + 1)
    expect((await channel.checkQueue('jobs')).messageCount).toBe(acked)
  })
})
