import { expect, test } from '@faultline/vitest'
import pg from 'pg'
import { startApi } from './api.js'
import { declareQueues, WORK_QUEUE } from './queues.js'

// The API itself, with nothing broken: what the scenarios' tests take for granted.
test('a tenant sends a message and reads it back through the cache; other tenants cannot', async ({
  postgres,
  rabbitmq,
  redis,
}) => {
  await declareQueues(rabbitmq.channel, { hardened: true })
  const pool = new pg.Pool({ connectionString: postgres.url, max: 2 })
  try {
    await using api = await startApi({
      pool,
      cache: redis.client,
      channel: await rabbitmq.connection.createConfirmChannel(),
      hardened: true,
    })
    const call = (path: string, tenant: string | undefined, body?: unknown) =>
      fetch(`${api.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...(tenant ? { 'x-tenant-id': tenant } : {}) },
        body: body === undefined ? null : JSON.stringify(body),
      }).then(async (res) => [res.status, await res.json()] as const)

    const [status, sent] = await call('/messages', 'acme', { text: 'hello' })
    expect(status).toBe(202)
    const { id } = sent as { id: number }
    expect(await call(`/messages/${id}`, 'acme')).toEqual([200, { id, body: 'hello' }])
    expect(await redis.client.get(`message:acme:${id}`)).not.toBeNull() // the second read is a cache hit
    expect(await call(`/messages/${id}`, 'acme')).toEqual([200, { id, body: 'hello' }])
    expect((await call(`/messages/${id}`, 'globex'))[0]).toBe(404)
    expect(await call('/messages', undefined, { text: 'hello' })).toEqual([
      400,
      { error: 'x-tenant-id: required' },
    ])
    expect((await rabbitmq.channel.checkQueue(WORK_QUEUE)).messageCount).toBe(1)
  } finally {
    await pool.end()
  }
})
