import { once } from 'node:events'
import { connect } from 'node:net'
import { expect, test } from '@faultline/vitest'
import { describe } from 'vitest'

describe('services started by the plugin', () => {
  test('PostgreSQL answers in a fresh database copied from the template', async ({ postgres }) => {
    const { rows } = await postgres.client.query(
      'SELECT current_database() AS db, sum(balance)::int AS total FROM accounts',
    )
    expect(rows[0].db).toBe(postgres.database)
    expect(rows[0].total).toBe(150)
  })

  test('Redis answers in a logical database of its own', async ({ redis }) => {
    await redis.client.set('greeting', 'hello')
    expect(await redis.client.get('greeting')).toBe('hello')
    expect(redis.db).toBeGreaterThan(0)
  })

  test('RabbitMQ routes a message in a vhost of its own', async ({ rabbitmq }) => {
    const { queue } = await rabbitmq.channel.assertQueue('orders')
    rabbitmq.channel.sendToQueue(queue, Buffer.from('order-1'))
    let message: Awaited<ReturnType<typeof rabbitmq.channel.get>> = false
    for (let i = 0; i < 100 && message === false; i++) {
      message = await rabbitmq.channel.get(queue, { noAck: true })
      if (message === false) await new Promise((r) => setTimeout(r, 20))
    }
    expect(message === false ? undefined : message.content.toString()).toBe('order-1')
  })

  test('the handles expose addresses and the image in use', ({ services }) => {
    expect(services.names.sort()).toEqual(['cache', 'mq', 'pg'])
    const pg = services.postgres('pg')
    expect(pg.url).toBe(`postgres://test:test@${pg.host}:${pg.port}/test`)
    if (process.env.TESTCONTAINERS_HOST_OVERRIDE)
      expect(pg.host).toBe(process.env.TESTCONTAINERS_HOST_OVERRIDE)
    expect(pg.info.image).toBe(process.env.FAULTLINE_POSTGRES_IMAGE ?? 'postgres:17')
  })

  test("each handle's host and port reach its service", async ({ services }) => {
    for (const name of services.names) {
      const { host, port } = services.get(name)
      const socket = connect({ host, port })
      try {
        await once(socket, 'connect')
      } finally {
        socket.destroy()
      }
    }
  })
})
