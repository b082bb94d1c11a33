import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { createProxy, type ProtocolName } from '@faultline/proxy'
import { test } from '@faultline/vitest'
import amqplib from 'amqplib'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import pg from 'pg'
import { describe, expect, onTestFinished } from 'vitest'
import { collect, dial, split, writePieces } from '../../packages/proxy/src/test-support/net.ts'
import { recorder, through } from './support.js'

// A framed connection (a proxy created with `protocol`) must close exactly like an unframed one. Shown on
// a real PostgreSQL with a client that dies mid-message, and on the byte streams real clients (pg,
// ioredis, amqplib) send to the real services, replayed split and cut at random points.

// Larger than the framing window (64 KiB), so the recorded sessions exercise the streaming path.
const LARGE = 200_000

describe('a client that dies mid-message', () => {
  test('its backend ends and its open transaction rolls back', async ({ postgres: database }) => {
    await database.client.query('CREATE TABLE framed_orders (id int)')
    await using proxy = await createProxy({ upstream: database })
    const client = new pg.Client({ connectionString: proxy.url(database.url) })
    client.on('error', () => {})
    onTestFinished(() => client.end().catch(() => {}))
    await client.connect()
    await client.query('BEGIN')
    await client.query('INSERT INTO framed_orders VALUES (1)')
    const backend = (client as unknown as { processID: number }).processID // pg's, not in its types
    // The client is killed while writing its next query: 8 of its 27 bytes, then the end of its stream.
    const query = simpleQuery('INSERT INTO framed_orders VALUES (2)')
    const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream
    socket.end(query.subarray(0, 8))
    const alive = async (): Promise<number> =>
      (
        await database.client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [
          backend,
        ])
      ).rows[0].n
    await expect.poll(alive, { timeout: 20_000, interval: 50 }).toBe(0)
    expect((await database.client.query('SELECT count(*)::int AS n FROM framed_orders')).rows[0].n).toBe(0)
  })
})

describe('real client streams, split and cut anywhere, through a framed proxy', () => {
  test('PostgreSQL (pg)', async ({ postgres: database, services }) => {
    const tap = await recorder(services.postgres())
    onTestFinished(tap.close)
    const client = new pg.Client({
      connectionString: through(database.url, { endpoint: `127.0.0.1:${tap.port}` }),
    })
    await client.connect()
    await client.query('CREATE TABLE notes (body text)')
    await client.query('BEGIN')
    await client.query('INSERT INTO notes VALUES ($1)', ['p'.repeat(LARGE)]) // extended: Parse/Bind/Execute
    await client.query(`INSERT INTO notes VALUES ('${'q'.repeat(LARGE)}')`) // one simple query, 200 kB
    await client.query({ name: 'count', text: 'SELECT count(*) FROM notes WHERE body <> $1', values: ['x'] })
    await client.query('COMMIT')
    await client.end()
    await replay('postgres', tap.sent())
  })

  test('Redis (ioredis)', async ({ redis: keyspace, services }) => {
    const tap = await recorder(services.redis())
    onTestFinished(tap.close)
    const client = new Redis(through(keyspace.url, { endpoint: `127.0.0.1:${tap.port}` }))
    await client.multi().set('balance', 'r'.repeat(LARGE)).incr('n').exec()
    await client.pipeline().get('balance').del('n').ping().exec()
    await client.quit()
    await replay('redis', tap.sent())
  })

  test('RabbitMQ (amqplib)', async ({ rabbitmq: vhost, services }) => {
    const tap = await recorder(services.rabbitmq())
    onTestFinished(tap.close)
    const connection = await amqplib.connect(through(vhost.url, { endpoint: `127.0.0.1:${tap.port}` }))
    const channel = await connection.createConfirmChannel()
    const { queue } = await channel.assertQueue('', { exclusive: true })
    channel.sendToQueue(queue, Buffer.alloc(LARGE, 0x61))
    channel.sendToQueue(queue, Buffer.from('small'))
    await channel.waitForConfirms()
    const got = await channel.get(queue)
    if (got) channel.ack(got)
    await connection.close()
    await replay('amqp', tap.sent())
  })
})

// Replays `stream` (what a real client sent) through a framed proxy and an unframed one to a loopback
// echo service, split at random points and cut at a random length, as a client that dies mid-write: each
// way, the client gets back exactly what it sent, then the end of the stream, as without framing.
async function replay(protocol: ProtocolName, stream: Buffer): Promise<void> {
  expect(stream.length).toBeGreaterThan(LARGE) // the session was recorded, its large message included
  const service = await echo()
  onTestFinished(service.close)
  await using framed = await createProxy({ upstream: service.endpoint, protocol })
  await using plain = await createProxy({ upstream: service.endpoint })
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.option(fc.nat(), { freq: 3 }),
      async (cuts, cut) => {
        const sent = cut === null ? stream : stream.subarray(0, cut % (stream.length + 1))
        const pieces = split(sent, cuts)
        const viaFramed = await roundTrip(framed.port, pieces)
        expect(viaFramed).toEqual({ bytes: sent.length, same: true, ended: true, error: undefined })
        expect(await roundTrip(plain.port, pieces)).toEqual(viaFramed)
      },
    ),
    // A failing run is a hang that lasts its deadline: report the first one rather than shrink.
    { numRuns: 20, endOnFailure: true },
  )
}

interface Outcome {
  bytes: number
  same: boolean
  ended: boolean
  error: string | undefined
}

// Sends `pieces` (one per event-loop turn) then a FIN; what came back, within a deadline (seconds for
// kilobytes on loopback: a margin a 10x slower machine still meets).
async function roundTrip(port: number, pieces: readonly Buffer[]): Promise<Outcome> {
  const sent = Buffer.concat(pieces)
  const socket = await dial(port)
  const closed = collect(socket)
  await writePieces(socket, pieces)
  socket.end()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), 10_000)
  })
  const settled = await Promise.race([closed, deadline])
  clearTimeout(timer)
  socket.destroy()
  if (settled === 'hung') return { bytes: 0, same: false, ended: false, error: 'hung' }
  return {
    bytes: settled.data.length,
    same: settled.data.equals(sent),
    ended: settled.ended,
    error: settled.error,
  }
}

// A loopback service that echoes every byte and ends its side after the client's end.
async function echo(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.pipe(socket)
  })
  server.listen({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  const bound = server.address()
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0
  return {
    endpoint: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

// A PostgreSQL simple query message: 'Q', int32 length (counting itself), the SQL, a NUL.
function simpleQuery(sql: string): Buffer {
  const body = Buffer.from(`${sql}\0`)
  const head = Buffer.alloc(5)
  head.write('Q', 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}
