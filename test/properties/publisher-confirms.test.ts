import { rabbitmqContainer } from '@faultline/containers'
import { History } from '@faultline/core'
import amqp from 'amqplib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

// Nothing acknowledged to the publisher may be lost across a broker restart. Each publish is an operation
// of a history: ok when the broker confirmed it, indeterminate when the connection broke first.

describe('publisher confirms across a broker restart', () => {
  let mq: Awaited<ReturnType<ReturnType<typeof rabbitmqContainer>['start']>>
  beforeAll(async () => {
    mq = await rabbitmqContainer().start('confirms-mq')
  })
  afterAll(async () => {
    await mq?.close()
  })

  async function drain(queue: string): Promise<string[]> {
    const connection = await amqp.connect(mq.url)
    const channel = await connection.createChannel()
    channel.on('error', () => {})
    const ids: string[] = []
    try {
      await channel.checkQueue(queue)
      for (
        let m = await channel.get(queue, { noAck: true });
        m !== false;
        m = await channel.get(queue, { noAck: true })
      ) {
        ids.push(m.properties.messageId as string)
      }
    } catch {
      // the queue did not survive the restart: nothing to read
    }
    await connection.close().catch(() => {})
    return ids
  }

  test('durable queue, persistent messages, acknowledged on confirm: nothing lost', async () => {
    const history = new History<string>()
    const connection = await amqp.connect(mq.url)
    connection.on('error', () => {})
    const channel = await connection.createConfirmChannel()
    channel.on('error', () => {})
    await channel.assertQueue('payments', { durable: true })
    const publishes: Promise<unknown>[] = []
    for (let i = 0; i < 200; i++) {
      const id = `payment-${i}`
      publishes.push(
        history
          .record(
            id,
            () =>
              new Promise<void>((resolve, reject) =>
                channel.sendToQueue(
                  'payments',
                  Buffer.from(id),
                  { messageId: id, persistent: true },
                  (err) => (err ? reject(err) : resolve()),
                ),
              ),
            { classify: () => 'indeterminate' }, // a publish without its confirm may or may not be stored
          )
          .catch(() => {}),
      )
      if (i === 150) publishes.push(mq.restart({ timeout: 2_000 }).then(() => undefined))
    }
    await Promise.allSettled(publishes)
    await connection.close().catch(() => {})

    const read = await drain('payments')
    expect(history.counts().ok).toBeGreaterThan(0)
    expect(history).toHaveNoLostWrites(read)
    expect(history).toHaveNoDuplicates(read)
  })

  test('a naive publisher (transient queue, no confirms, "sent" means done) is caught losing messages', async () => {
    const history = new History<string>()
    const connection = await amqp.connect(mq.url)
    connection.on('error', () => {})
    const channel = await connection.createChannel()
    channel.on('error', () => {})
    await channel.assertQueue('naive-payments', { durable: false })
    for (let i = 0; i < 50; i++) {
      const id = `payment-${i}`
      channel.sendToQueue('naive-payments', Buffer.from(id), { messageId: id })
      history.invoke(id).ok()
    }
    await channel.checkQueue('naive-payments') // the broker has the messages: a round trip after the sends
    await mq.restart({ timeout: 2_000 })
    await connection.close().catch(() => {})

    const read = await drain('naive-payments')
    expect(() => expect(history).toHaveNoLostWrites(read)).toThrow(
      /50 of 50 acknowledged writes lost \(missing from the final read\): "payment-0", "payment-1"/,
    )
  })
})
