import { ChunkBuffer } from './chunks.js'
import type { AmqpMessage, Framer } from './types.js'

// AMQP 0-9-1 framing: an 8-byte protocol header, then frames of type(1) channel(2) size(4) payload end(1).
// A method frame's payload starts with class-id(2) method-id(2); basic.publish is followed by a content
// header frame (body size) and body frames on the same channel. amqplib's codec is internal to the client
// and decodes whole methods; a trigger needs only the method name and the byte range, so it is done here.

const METHOD = 1
const HEADER = 2
const BODY = 3
const PUBLISH = (60 << 16) | 40

// Method names by class-id << 16 | method-id, from the AMQP 0-9-1 specification (as amqplib's defs.js).
const names = new Map<number, string>()
const classes: Record<string, [number, Record<string, number>]> = {
  connection: [
    10,
    {
      start: 10,
      'start-ok': 11,
      secure: 20,
      'secure-ok': 21,
      tune: 30,
      'tune-ok': 31,
      open: 40,
      'open-ok': 41,
      close: 50,
      'close-ok': 51,
      blocked: 60,
      unblocked: 61,
      'update-secret': 70,
      'update-secret-ok': 71,
    },
  ],
  channel: [20, { open: 10, 'open-ok': 11, flow: 20, 'flow-ok': 21, close: 40, 'close-ok': 41 }],
  access: [30, { request: 10, 'request-ok': 11 }],
  exchange: [
    40,
    {
      declare: 10,
      'declare-ok': 11,
      delete: 20,
      'delete-ok': 21,
      bind: 30,
      'bind-ok': 31,
      unbind: 40,
      'unbind-ok': 51,
    },
  ],
  queue: [
    50,
    {
      declare: 10,
      'declare-ok': 11,
      bind: 20,
      'bind-ok': 21,
      purge: 30,
      'purge-ok': 31,
      delete: 40,
      'delete-ok': 41,
      unbind: 50,
      'unbind-ok': 51,
    },
  ],
  basic: [
    60,
    {
      qos: 10,
      'qos-ok': 11,
      consume: 20,
      'consume-ok': 21,
      cancel: 30,
      'cancel-ok': 31,
      publish: 40,
      return: 50,
      deliver: 60,
      get: 70,
      'get-ok': 71,
      'get-empty': 72,
      ack: 80,
      reject: 90,
      'recover-async': 100,
      recover: 110,
      'recover-ok': 111,
      nack: 120,
    },
  ],
  confirm: [85, { select: 10, 'select-ok': 11 }],
  tx: [90, { select: 10, 'select-ok': 11, commit: 20, 'commit-ok': 21, rollback: 30, 'rollback-ok': 31 }],
}
for (const [className, [classId, methods]] of Object.entries(classes)) {
  for (const [methodName, methodId] of Object.entries(methods)) {
    names.set((classId << 16) | methodId, `${className}.${methodName}`)
  }
}

/** Every AMQP 0-9-1 method name the framer knows, e.g. `basic.ack`. */
export const amqpMethods: ReadonlySet<string> = new Set(names.values())

interface Publish {
  readonly start: number
  remaining: bigint
}

/** Frames an AMQP 0-9-1 client -> server stream. */
export class AmqpFramer implements Framer {
  safe = 0
  private readonly buffer = new ChunkBuffer()
  private need = 8
  private skip = 0
  private headerSeen = false
  private off = false
  private readonly publishing = new Map<number, Publish>()

  constructor(private readonly onMessage: (message: AmqpMessage) => void) {}

  push(chunk: Buffer, offset: number): void {
    if (this.off) return
    let from = 0
    if (this.skip > 0) {
      from = Math.min(this.skip, chunk.length)
      this.skip -= from
      if (from === chunk.length) {
        this.safe = this.safeFrom(offset + chunk.length)
        return
      }
    }
    if (this.buffer.size === 0) this.buffer.start = offset + from
    this.buffer.push(from === 0 ? chunk : chunk.subarray(from))
    if (this.buffer.size < this.need) {
      this.safe = this.safeFrom(this.buffer.start)
      return
    }
    const base = this.buffer.start
    const data = this.buffer.take()
    let p = 0
    for (;;) {
      const available = data.length - p
      if (!this.headerSeen) {
        if (available < 8) {
          this.need = 8
          break
        }
        if (data.toString('latin1', p, p + 4) !== 'AMQP') {
          this.stop()
          return
        }
        this.headerSeen = true
        this.onMessage({
          protocol: 'amqp',
          method: 'protocol-header',
          channel: 0,
          start: base + p,
          end: base + p + 8,
        })
        p += 8
        continue
      }
      if (available < 7) {
        this.need = 7
        break
      }
      const type = data[p]!
      const channel = data.readUInt16BE(p + 1)
      const total = 7 + data.readUInt32BE(p + 3) + 1
      const start = base + p
      if (type === BODY) {
        this.body(channel, total, start)
        if (available < total) {
          this.skip = total - available
          p = data.length
          break
        }
        p += total
        continue
      }
      // Method and header frames are small; wait for the whole frame.
      if (available < total) {
        this.need = total
        break
      }
      if (type === METHOD) this.method(channel, data.readUInt32BE(p + 7), start, start + total)
      else if (type === HEADER) this.header(channel, data.readBigUInt64BE(p + 11), start + total)
      p += total
    }
    this.buffer.keep(data, p, base + p)
    if (this.buffer.size === 0) this.need = 1
    this.safe = this.safeFrom(base + p)
  }

  private method(channel: number, id: number, start: number, end: number): void {
    if (id === PUBLISH) {
      // Reported once its content is complete, so `end` covers the whole message.
      this.publishing.set(channel, { start, remaining: -1n })
      return
    }
    const method = names.get(id) ?? `${id >>> 16}.${id & 0xffff}`
    this.onMessage({ protocol: 'amqp', method, channel, start, end })
  }

  private header(channel: number, bodySize: bigint, end: number): void {
    const publish = this.publishing.get(channel)
    if (publish === undefined) return
    publish.remaining = bodySize
    if (bodySize === 0n) this.publish(channel, publish, end)
  }

  private body(channel: number, total: number, start: number): void {
    const publish = this.publishing.get(channel)
    if (publish === undefined || publish.remaining < 0n) return
    publish.remaining -= BigInt(total - 8)
    if (publish.remaining <= 0n) this.publish(channel, publish, start + total)
  }

  private publish(channel: number, publish: Publish, end: number): void {
    this.publishing.delete(channel)
    this.onMessage({ protocol: 'amqp', method: 'basic.publish', channel, start: publish.start, end })
  }

  // A publish whose content is still arriving is held back from its method frame on.
  private safeFrom(offset: number): number {
    let safe = offset
    for (const publish of this.publishing.values()) safe = Math.min(safe, publish.start)
    return safe
  }

  private stop(): void {
    this.off = true
    this.safe = Number.POSITIVE_INFINITY
  }
}
