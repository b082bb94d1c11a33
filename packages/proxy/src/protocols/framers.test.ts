import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AmqpFramer } from './amqp.js'
import { PostgresFramer } from './postgres.js'
import { RedisFramer } from './redis.js'
import { FRAMING_WINDOW, type Framer, type FramerEvents, type ProtocolMessage } from './types.js'
import * as wire from './wire.test-support.js'

// Feeds `stream` cut at `cuts` and checks the framer's contract: the same messages whatever the chunking;
// no message reported that starts before the previous `safe` (those bytes could already be gone); an end
// learnt late is never before the chunk that revealed it; and what is held back stays under the window.
function frame(make: (events: FramerEvents) => Framer, stream: Buffer, cuts: number[]): ProtocolMessage[] {
  const messages: ProtocolMessage[] = []
  let from = 0
  const framer = make({
    listening: true,
    message: (m) => messages.push(m),
    end: (m) => {
      expect(messages).toContain(m)
      expect(m.end).toBeGreaterThanOrEqual(from)
    },
  })
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
  for (const to of [...points, stream.length]) {
    if (to <= from) continue
    const safeBefore = framer.safe
    const seen = messages.length
    framer.push(stream.subarray(from, to), from)
    for (const m of messages.slice(seen)) expect(m.start).toBeGreaterThanOrEqual(safeBefore)
    if (framer.safe !== Number.POSITIVE_INFINITY) {
      expect(framer.safe).toBeLessThanOrEqual(to)
      expect(to - framer.safe).toBeLessThan(FRAMING_WINDOW + 8)
    }
    from = to
  }
  for (const m of messages) expect(m.end).toBeLessThanOrEqual(stream.length)
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
        const messages = frame((events) => new PostgresFramer(events), stream, at)
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
    const framer = new PostgresFramer({ listening: true, message: (m) => messages.push(m), end: () => {} })
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
        const messages = frame((events) => new RedisFramer(events), stream, at)
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
        const messages = frame((events) => new AmqpFramer(events), stream, at)
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

describe('a message longer than the framing window', () => {
  const large = 'x'.repeat(3 * FRAMING_WINDOW)

  it('postgres: reported at the window with the SQL read so far, its end from the header', () => {
    const query = wire.pgQuery(`INSERT INTO t VALUES ('${large}')`)
    const hello = wire.pgStartup({ user: 'u' })
    const stream = Buffer.concat([hello, query, wire.pgQuery('COMMIT')])
    fc.assert(
      fc.property(cuts, (at) => {
        const messages = frame((events) => new PostgresFramer(events), stream, at)
        expect(messages.map((m) => (m.protocol === 'postgres' ? [m.type, m.sql?.length] : []))).toEqual([
          ['startup', undefined],
          ['Q', FRAMING_WINDOW],
          ['Q', 'COMMIT'.length],
        ])
        expect(messages[1]).toMatchObject({ start: hello.length, end: hello.length + query.length })
      }),
    )
  })

  it('redis: reported at the window with the arguments read by then, its end once read', () => {
    const set = wire.resp('SET', 'balance', large, 'EX', '60')
    const stream = Buffer.concat([wire.resp('MULTI'), set, wire.resp('EXEC')])
    fc.assert(
      fc.property(cuts, (at) => {
        const messages = frame((events) => new RedisFramer(events), stream, at)
        expect(messages.map((m) => (m.protocol === 'redis' ? [m.command, ...m.args] : []))).toEqual([
          ['MULTI'],
          ['SET', 'balance', 'x'.repeat(4096)], // the value kept to 4 KiB; EX 60 comes after the window
          ['EXEC'],
        ])
        const start = wire.resp('MULTI').length
        expect(messages[1]).toMatchObject({ start, end: start + set.length })
      }),
    )
  })

  it('amqp: a publish is reported at its method frame, its end once its content is read', () => {
    const publish = Buffer.concat(wire.amqpPublish(1, Buffer.from(large), 131_064))
    const stream = Buffer.concat([
      wire.amqpHeader(),
      publish,
      wire.amqpHeartbeat(),
      wire.amqpMethod(1, 90, 20, Buffer.alloc(0)),
    ])
    fc.assert(
      fc.property(cuts, (at) => {
        const messages = frame((events) => new AmqpFramer(events), stream, at)
        expect(messages.map((m) => [m.protocol === 'amqp' && m.method, m.start, m.end])).toEqual([
          ['protocol-header', 0, 8],
          ['basic.publish', 8, 8 + publish.length],
          ['tx.commit', stream.length - 12, stream.length],
        ])
      }),
    )
  })

  it('redis: an inline command longer than the window stops framing (Redis refuses it too)', () => {
    const messages: ProtocolMessage[] = []
    const framer = new RedisFramer({ listening: true, message: (m) => messages.push(m), end: () => {} })
    framer.push(Buffer.from(`PING ${large}\r\n`), 0)
    expect(messages).toEqual([])
    expect(framer.safe).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('with nobody listening (no active trigger)', () => {
  const streams = {
    postgres: Buffer.concat([wire.pgStartup({ user: 'u' }), wire.pgQuery('BEGIN'), wire.pgQuery('COMMIT')]),
    redis: Buffer.concat([wire.resp('MULTI'), Buffer.from('PING\r\n'), wire.resp('EXEC')]),
    amqp: Buffer.concat([wire.amqpHeader(), ...wire.amqpPublish(1, Buffer.from('x'), 4)]),
  }
  const make = {
    postgres: (events: FramerEvents) => new PostgresFramer(events),
    redis: (events: FramerEvents) => new RedisFramer(events),
    amqp: (events: FramerEvents) => new AmqpFramer(events),
  }

  it.each(Object.keys(streams) as Array<keyof typeof streams>)(
    '%s: reports nothing, yet holds back exactly what a listening framer holds',
    (protocol) => {
      fc.assert(
        fc.property(cuts, (at) => {
          const stream = streams[protocol]
          const quiet = make[protocol]({
            listening: false,
            message: () => expect.unreachable(),
            end: () => {},
          })
          const loud = make[protocol]({ listening: true, message: () => {}, end: () => {} })
          const points = [...new Set(at.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
          let from = 0
          for (const to of [...points, stream.length]) {
            if (to <= from) continue
            quiet.push(stream.subarray(from, to), from)
            loud.push(stream.subarray(from, to), from)
            expect(quiet.safe).toBe(loud.safe)
            from = to
          }
        }),
      )
    },
  )
})
