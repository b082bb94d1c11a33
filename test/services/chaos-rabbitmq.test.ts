import { rabbitmqContainer } from '@faultline/containers'
import amqp from 'amqplib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

describe('RabbitMQ container chaos', () => {
  let mq: Awaited<ReturnType<ReturnType<typeof rabbitmqContainer>['start']>>

  beforeAll(async () => {
    mq = await rabbitmqContainer().start('chaos-mq')
  })
  afterAll(async () => {
    await mq?.close()
  })

  test('a durable queue with a persistent message survives a restart', async () => {
    const connection = await amqp.connect(mq.url)
    connection.on('error', () => {})
    const channel = await connection.createConfirmChannel()
    await channel.assertQueue('durable-orders', { durable: true })
    channel.sendToQueue('durable-orders', Buffer.from('order-7'), { persistent: true })
    await channel.waitForConfirms()
    const closed = new Promise((resolve) => connection.once('close', resolve))
    await mq.restart({ timeout: 2_000 })
    await closed // the broker's restart ends the client's connection
    const again = await amqp.connect(mq.url)
    const ch = await again.createChannel()
    const message = await ch.get('durable-orders', { noAck: true })
    expect(message === false ? undefined : message.content.toString()).toBe('order-7')
    await again.close()
  })
})
