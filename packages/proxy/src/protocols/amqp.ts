import type { AmqpMessage, Framer, FramerEvents, Mutable } from './types.js'

// AMQP 0-9-1 framing: an 8-byte protocol header, then frames of type(1) channel(2) size(4) payload end(1).
// A method frame's payload starts with class-id(2) method-id(2); basic.publish is followed by a content
// header frame (body size) and body frames on the same channel. amqplib's codec is internal to the client
// and decodes whole methods; a trigger needs only the method name and the byte range, so it is done here,
// from the first bytes of each frame: a frame of any size passes as it arrives.

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

// The first bytes of a frame the framer reads: type(1) channel(2) size(4), then class-id(2) method-id(2)
// of a method frame, or class-id(2) weight(2) body-size(8) of a content header frame.
const FRAME_HEADER = 7
const METHOD_HEAD = FRAME_HEADER + 4
const CONTENT_HEAD = FRAME_HEADER + 12

interface Publish {
  readonly message: Mutable<AmqpMessage>
  // Content bytes still to come; -1 until the content header frame gave the body size.
  remaining: bigint
}

/** Frames an AMQP 0-9-1 client -> server stream. */
export class AmqpFramer implements Framer {
  safe = 0
  private off = false
  private headerSeen = false
  // The first bytes of the frame being read, and where the frame starts.
  private readonly head = Buffer.alloc(CONTENT_HEAD)
  private headLength = 0
  private need = 8
  private start = 0
  private skip = 0
  private readonly publishing = new Map<number, Publish>()

  constructor(private readonly events: FramerEvents) {}

  push(chunk: Buffer, offset: number): void {
    if (this.off) return
    let p = 0
    while (p < chunk.length && !this.off) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - p)
        this.skip -= n
        p += n
        continue
      }
      if (this.headLength === 0) this.start = offset + p
      const n = Math.min(this.need - this.headLength, chunk.length - p)
      chunk.copy(this.head, this.headLength, p, p + n)
      this.headLength += n
      p += n
      if (this.headLength === this.need) this.frame()
    }
    if (this.off) return
    this.safe = this.headLength > 0 ? this.start : offset + chunk.length
  }

  // Acts on the head read so far: either asks for more of it, or reports and skips the rest of the frame.
  private frame(): void {
    if (!this.headerSeen) {
      if (this.head.toString('latin1', 0, 4) !== 'AMQP') {
        this.stop()
        return
      }
      this.headerSeen = true
      this.next(0, FRAME_HEADER)
      if (!this.events.listening) return
      this.events.message({
        protocol: 'amqp',
        method: 'protocol-header',
        channel: 0,
        start: this.start,
        end: this.start + 8,
      })
      return
    }
    const type = this.head[0]!
    const channel = this.head.readUInt16BE(1)
    const total = FRAME_HEADER + this.head.readUInt32BE(3) + 1
    const end = this.start + total
    if (type === METHOD && total >= METHOD_HEAD + 1 && this.need < METHOD_HEAD) {
      this.need = METHOD_HEAD
      return
    }
    if (type === HEADER && total >= CONTENT_HEAD + 1 && this.need < CONTENT_HEAD) {
      this.need = CONTENT_HEAD
      return
    }
    this.next(total - this.need, FRAME_HEADER)
    if (type === METHOD && total >= METHOD_HEAD + 1) this.method(channel, this.head.readUInt32BE(7), end)
    else if (type === HEADER && total >= CONTENT_HEAD + 1)
      this.header(channel, this.head.readBigUInt64BE(11), end)
    else if (type === BODY) this.body(channel, BigInt(total - FRAME_HEADER - 1), end)
  }

  // The current frame's head is read: skip `skip` bytes, then read `need` bytes of the next frame's head.
  private next(skip: number, need: number): void {
    this.skip = skip
    this.need = need
    this.headLength = 0
  }

  private method(channel: number, id: number, end: number): void {
    if (!this.events.listening) return
    if (id === PUBLISH) {
      // Reported now, so a trigger can act before it; its end is the end of its content, read later.
      const message = {
        protocol: 'amqp' as const,
        method: 'basic.publish',
        channel,
        start: this.start,
        end: Infinity,
      }
      this.publishing.set(channel, { message, remaining: -1n })
      this.events.message(message)
      return
    }
    const method = names.get(id) ?? `${id >>> 16}.${id & 0xffff}`
    this.events.message({ protocol: 'amqp', method, channel, start: this.start, end })
  }

  private header(channel: number, bodySize: bigint, end: number): void {
    const publish = this.publishing.get(channel)
    if (publish === undefined || publish.remaining >= 0n) return
    publish.remaining = bodySize
    if (bodySize === 0n) this.published(channel, publish, end)
  }

  private body(channel: number, size: bigint, end: number): void {
    const publish = this.publishing.get(channel)
    if (publish === undefined || publish.remaining < 0n) return
    publish.remaining -= size
    if (publish.remaining <= 0n) this.published(channel, publish, end)
  }

  private published(channel: number, publish: Publish, end: number): void {
    this.publishing.delete(channel)
    publish.message.end = end
    this.events.end(publish.message)
  }

  // Not AMQP 0-9-1: forward everything from here on, unframed.
  private stop(): void {
    this.off = true
    this.safe = Number.POSITIVE_INFINITY
  }
}
