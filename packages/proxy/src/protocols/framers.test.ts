import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AmqpFramer } from './amqp.js'
import { PostgresFramer } from './postgres.js'
import { RedisFramer } from './redis.js'
import type { Framer, ProtocolMessage } from './types.js'
import * as wire from './wire.test-support.js'

// Feeds `stream` cut at `cuts` and checks the framer's contract: the same messages whatever the chunking,
// and no message reported that starts before the previous `safe` (those bytes could already be gone).
function frame(
  make: (on: (m: ProtocolMessage) => void) => Framer,
  stream: Buffer,
  cuts: number[],
): ProtocolMessage[] {
  const messages: ProtocolMessage[] = []
  const framer = make((m) => messages.push(m))
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
  let from = 0
  for (const to of [...points, stream.length]) {
    if (to <= from) continue
    const safeBefore = framer.safe
    const seen = messages.length
    framer.push(stream.subarray(from, to), from)
    for (const m of messages.slice(seen)) expect(m.start).toBeGreaterThanOrEqual(safeBefore)
    if (framer.safe !== Number.POSITIVE_INFINITY) expect(framer.safe).toBeLessThanOrEqual(to)
    from = to
  }
  return messages
}

const cuts = fc.array(fc.nat(), { maxLength: 40 })

describe('PostgresFramer', () => {
  const stream = Buffer.concat([
    wire.pgSslRequest(),
    wire.pgStartup({ user: 'app', database: 'db' }),
    wire.pgQuery('BEGIN'),
    wire.pgQuery("INSERT INTO t VALUES ('a;b')"),
    wire.pgParse('', 'COMMIT'),
    wire.pgBind('', ''),
    wire.pgDescribe('P', ''),
    wire.pgExecute(''),
    wire.pgSync(),
    wire.pgParse('s1', 'SELECT $1::int'),
    wire.pgBind('p1', 's1'),
    wire.pgExecute('p1'),
    wire.pgSync(),
    wire.pgQuery('select 1; commit'),
    wire.pgTerminate(),
  ])

  it('reports every message with its SQL and byte range, whatever the chunking', () => {
    fc.assert(
      fc.property(cuts, (at) => {
        const messages = frame((on) => new PostgresFramer(on), stream, at)
        expect(messages.map((m) => (m.protocol === 'postgres' ? [m.type, m.sql] : []))).toEqual([
          ['ssl', undefined],
          ['startup', undefined],
          ['Q', 'BEGIN'],
          ['Q', "INSERT INTO t VALUES ('a;b')"],
          ['P', 'COMMIT'],
          ['B', 'COMMIT'],
          ['D', undefined],
          ['E', 'COMMIT'],
          ['S', undefined],
          ['P', 'SELECT $1::int'],
          ['B', 'SELECT $1::int'],
          ['E', 'SELECT $1::int'],
          ['S', undefined],
          ['Q', 'select 1; commit'],
          ['X', undefined],
        ])
        let offset = 0
        for (const m of messages) {
          expect(m.start).toBe(offset)
          offset = m.end
        }
        expect(offset).toBe(stream.length)
      }),
    )
  })

  it('stops framing once the client starts TLS', () => {
    const messages: ProtocolMessage[] = []
    const framer = new PostgresFramer((m) => messages.push(m))
    framer.push(Buffer.concat([wire.pgSslRequest(), Buffer.from([0x16, 3, 1, 0, 5])]), 0)
    expect(messages).toHaveLength(1)
    expect(framer.safe).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('RedisFramer', () => {
  const stream = Buffer.concat([
    wire.resp('HELLO', '3'),
    wire.resp('MULTI'),
    wire.resp('set', 'balance', 'x'.repeat(5000)),
    wire.resp('EXEC'),
    Buffer.from('PING\r\n'),
    wire.resp('GET', 'ünïcode'),
  ])

  it('reports every command with its arguments and byte range, whatever the chunking', () => {
    fc.assert(
      fc.property(cuts, (at) => {
        const messages = frame((on) => new RedisFramer(on), stream, at)
        expect(messages.map((m) => (m.protocol === 'redis' ? [m.command, m.args[0]] : []))).toEqual([
          ['HELLO', '3'],
          ['MULTI', undefined],
          ['SET', 'balance'],
          ['EXEC', undefined],
          ['PING', undefined],
          ['GET', 'ünïcode'],
        ])
        expect(messages.at(-1)?.end).toBe(stream.length)
      }),
    )
  })
})

describe('AmqpFramer', () => {
  const stream = Buffer.concat([
    wire.amqpHeader(),
    wire.amqpMethod(0, 10, 11, Buffer.alloc(30)),
    wire.amqpMethod(1, 20, 10, Buffer.alloc(1)),
    ...wire.amqpPublish(1, Buffer.from('hello world'), 4),
    wire.amqpHeartbeat(),
    ...wire.amqpPublish(2, Buffer.alloc(0), 4),
    wire.amqpMethod(1, 60, 80, Buffer.alloc(9)),
    wire.amqpMethod(1, 90, 20, Buffer.alloc(0)),
  ])

  it('reports every method, with publish spanning its content, whatever the chunking', () => {
    fc.assert(
      fc.property(cuts, (at) => {
        const messages = frame((on) => new AmqpFramer(on), stream, at)
        expect(messages.map((m) => (m.protocol === 'amqp' ? [m.method, m.channel] : []))).toEqual([
          ['protocol-header', 0],
          ['connection.start-ok', 0],
          ['channel.open', 1],
          ['basic.publish', 1],
          ['basic.publish', 2],
          ['basic.ack', 1],
          ['tx.commit', 1],
        ])
        const publish = messages[3]!
        const heartbeat = stream.indexOf(wire.amqpHeartbeat(), 8)
        expect(publish.end).toBe(heartbeat)
      }),
    )
  })
})
