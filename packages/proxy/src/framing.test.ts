import { once } from 'node:events'
import type { Socket } from 'node:net'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { type MessageMatcher, onAmqp, onPostgres, onRedis } from './protocols/matchers.js'
import type { ProtocolName } from './protocols/types.js'
import * as wire from './protocols/wire.test-support.js'
import { createProxy, type FaultProxy } from './proxy.js'
import { collect, dial, echo, listen, split, writePieces } from './test-support/net.js'

// A framed connection (a proxy created with `protocol`) must be as transparent as an unframed one: the
// same bytes arrive, a FIN passes after them, whatever the chunking, wherever the client stops, and a
// message of any size passes with the proxy holding a bounded number of bytes.

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close()
})

// What a service saw on one connection, observable while it is still open.
interface Seen {
  readonly socket: Socket
  bytes: number
  chunks: Buffer[]
  ended: boolean
  error: string | undefined
}

// A service that records what it receives (answering a FIN with its own); `paused` reads nothing.
async function sink(options: { paused?: boolean } = {}) {
  const seen: Seen[] = []
  const service = await listen((socket) => {
    const entry: Seen = { socket, bytes: 0, chunks: [], ended: false, error: undefined }
    seen.push(entry)
    socket.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length
      entry.chunks.push(chunk)
    })
    socket.on('end', () => {
      entry.ended = true
      socket.end()
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      entry.error = e.code ?? e.message
    })
    if (options.paused) socket.pause()
  })
  cleanup.push(service.close)
  return { ...service, seen }
}

async function framedProxy(upstream: string, protocol: ProtocolName): Promise<FaultProxy> {
  const proxy = await createProxy({ upstream, protocol })
  cleanup.push(() => proxy.close())
  return proxy
}

// Rejects, saying what was still missing, if `promise` has not settled after `ms`: a hang fails the run
// instead of stalling it. The margins are seconds for kilobytes on loopback.
async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: ${what()}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

// Larger than the framing window, so the streaming path is exercised, not only whole-message framing.
const LARGE = 150_000

// Client -> service sessions as the clients write them, each with one large message in the middle.
const sessions: Record<ProtocolName, { stream: Buffer; quiet: MessageMatcher }> = {
  postgres: {
    stream: Buffer.concat([
      wire.pgSslRequest(),
      wire.pgStartup({ user: 'app', database: 'db' }),
      wire.pgQuery('BEGIN'),
      wire.pgQuery(`INSERT INTO t VALUES ('${'p'.repeat(LARGE)}')`),
      wire.pgParse('s1', 'SELECT $1::int'),
      wire.pgBind('p1', 's1'),
      wire.pgDescribe('P', 'p1'),
      wire.pgExecute('p1'),
      wire.pgSync(),
      wire.pgQuery('COMMIT'),
      wire.pgTerminate(),
    ]),
    quiet: onPostgres.query(/^never$/),
  },
  redis: {
    stream: Buffer.concat([
      wire.resp('HELLO', '3'),
      wire.resp('MULTI'),
      wire.resp('SET', 'balance', 'r'.repeat(LARGE), 'EX', '60'),
      wire.resp('EXEC'),
      Buffer.from('PING\r\n'),
      wire.resp('GET', 'balance'),
    ]),
    quiet: onRedis.command('NEVER'),
  },
  amqp: {
    stream: Buffer.concat([
      wire.amqpHeader(),
      wire.amqpMethod(0, 10, 11, Buffer.alloc(40)),
      wire.amqpMethod(1, 20, 10, Buffer.alloc(1)),
      ...wire.amqpPublish(1, Buffer.alloc(LARGE, 0x61), 131_064),
      wire.amqpHeartbeat(),
      ...wire.amqpPublish(1, Buffer.from('small'), 131_064),
      wire.amqpMethod(1, 60, 80, Buffer.alloc(9)),
    ]),
    quiet: onAmqp.method('tx.rollback'),
  },
}

describe('a framed connection is byte-exact and closes like an unframed one', () => {
  it('passes a message cut short by the client, then its FIN, to the service', async () => {
    const service = await sink()
    const proxy = await framedProxy(service.endpoint, 'postgres')
    const client = await dial(proxy.port)
    // A startup message, then 15 of the 23 bytes of a query: a client killed mid-write.
    const sent = Buffer.concat([
      wire.pgStartup({ user: 'u' }),
      wire.pgQuery('SELECT 1234567890').subarray(0, 15),
    ])
    client.end(sent)
    await expect.poll(() => service.seen[0]?.bytes, { timeout: 10_000 }).toBe(sent.length)
    await expect.poll(() => service.seen[0]?.ended, { timeout: 10_000 }).toBe(true)
    expect(Buffer.concat(service.seen[0]!.chunks).equals(sent)).toBe(true)
  }, 30_000)

  it.each(Object.keys(sessions) as ProtocolName[])(
    '%s: any split, any truncation, through an echo service: same bytes back, then the end',
    async (protocol) => {
      const { stream, quiet } = sessions[protocol]
      const service = await echo()
      cleanup.push(service.close)
      const proxy = await framedProxy(service.endpoint, protocol)
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(), { maxLength: 12 }),
          fc.option(fc.nat(), { freq: 2 }),
          fc.boolean(),
          async (cuts, truncate, listening) => {
            // With a trigger that never matches, framing and matching run and nothing acts; without one,
            // the framer only tracks where messages start and end.
            await using _quiet = listening
              ? proxy.trigger(quiet, { times: Number.POSITIVE_INFINITY })
              : undefined
            const sent = truncate === null ? stream : stream.subarray(0, truncate % (stream.length + 1))
            const client = await dial(proxy.port)
            let got = 0
            client.on('data', (chunk: Buffer) => {
              got += chunk.length
            })
            const result = collect(client)
            await writePieces(client, split(sent, cuts))
            client.end()
            const { data, ended, error } = await within(
              result,
              10_000,
              () => `${got} of ${sent.length} bytes echoed, no end`,
            )
            expect(error).toBeUndefined()
            expect(ended).toBe(true)
            expect(data.length).toBe(sent.length)
            expect(data.equals(sent)).toBe(true)
          },
        ),
        // A failing run is a hang that lasts its deadline: report the first one rather than shrink.
        { numRuns: 25, endOnFailure: true },
      )
    },
    120_000,
  )
})

describe('a message larger than the framing window streams through', () => {
  // The first `sent` bytes of a message far larger than any buffer, then the client waits.
  const cases: Array<[ProtocolName, Buffer, Buffer]> = [
    [
      'postgres',
      wire.pgStartup({ user: 'u' }),
      wire.pgQuery(`INSERT INTO t VALUES ('${'x'.repeat(4 << 20)}')`),
    ],
    ['redis', wire.resp('PING'), wire.resp('SET', 'k', 'x'.repeat(4 << 20))],
    ['amqp', wire.amqpHeader(), Buffer.concat(wire.amqpPublish(1, Buffer.alloc(4 << 20, 1), 131_064))],
  ]

  it.each(cases)(
    '%s: the service gets the bytes before the message is complete',
    async (protocol, hello, message) => {
      const service = await sink()
      const proxy = await framedProxy(service.endpoint, protocol)
      const client = await dial(proxy.port)
      const sent = Buffer.concat([hello, message.subarray(0, 1 << 20)])
      client.write(sent)
      await expect.poll(() => service.seen[0]?.bytes, { timeout: 10_000 }).toBe(sent.length)
      expect(Buffer.concat(service.seen[0]!.chunks).equals(sent)).toBe(true)
      client.destroy()
    },
    30_000,
  )

  it.each(cases)(
    '%s: behind a service that reads nothing, the proxy holds a bounded number of bytes',
    async (protocol, hello, message) => {
      const service = await sink({ paused: true })
      const proxy = await framedProxy(service.endpoint, protocol)
      const client = await dial(proxy.port)
      const huge = Buffer.concat([hello, ...Array.from({ length: 16 }, () => message)]) // ~64 MiB
      let written = 0
      let most = 0
      // Write until TCP back-pressure stops the client (no 'drain' for a while) or everything is out.
      for (let at = 0; at < huge.length; at += 1 << 20) {
        const piece = huge.subarray(at, at + (1 << 20))
        written += piece.length
        most = Math.max(most, proxy.stats().buffered)
        if (client.write(piece)) continue
        const drained = await Promise.race([
          once(client, 'drain').then(() => true),
          new Promise<false>((resolve) => setTimeout(() => resolve(false), 500)),
        ])
        most = Math.max(most, proxy.stats().buffered)
        if (!drained) break
      }
      most = Math.max(most, proxy.stats().buffered)
      // The kernel's socket buffers take a few MiB on loopback; the proxy itself holds about 1 MiB.
      expect(written).toBeGreaterThan(4 << 20)
      expect(most).toBeLessThanOrEqual(1.5 * (1 << 20))
      client.destroy()
    },
    30_000,
  )
})
