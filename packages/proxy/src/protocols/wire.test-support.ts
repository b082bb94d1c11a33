// Client -> server wire bytes for the framer tests, built by hand from the protocol specifications.

function cstr(s: string): Buffer {
  return Buffer.from(`${s}\0`)
}

function typed(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

export function pgSslRequest(): Buffer {
  return Buffer.concat([int32(8), int32(80877103)])
}

export function pgStartup(params: Record<string, string>): Buffer {
  const body = Buffer.concat([
    int32(196608),
    ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]),
    Buffer.from([0]),
  ])
  return Buffer.concat([int32(body.length + 4), body])
}

export const pgQuery = (sql: string): Buffer => typed('Q', cstr(sql))
export const pgParse = (name: string, sql: string): Buffer => typed('P', cstr(name), cstr(sql), int16(0))
export const pgBind = (portal: string, statement: string): Buffer =>
  typed('B', cstr(portal), cstr(statement), int16(0), int16(0), int16(0))
export const pgDescribe = (kind: 'P' | 'S', name: string): Buffer => typed('D', Buffer.from(kind), cstr(name))
export const pgExecute = (portal: string): Buffer => typed('E', cstr(portal), int32(0))
export const pgSync = (): Buffer => typed('S')
export const pgTerminate = (): Buffer => typed('X')

export function resp(...words: string[]): Buffer {
  return Buffer.from(
    `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`,
  )
}

export function amqpHeader(): Buffer {
  return Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1])
}

function amqpFrame(type: number, channel: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(7)
  head.writeUInt8(type, 0)
  head.writeUInt16BE(channel, 1)
  head.writeUInt32BE(payload.length, 3)
  return Buffer.concat([head, payload, Buffer.from([0xce])])
}

export function amqpMethod(channel: number, classId: number, methodId: number, args: Buffer): Buffer {
  return amqpFrame(1, channel, Buffer.concat([int16(classId), int16(methodId), args]))
}

export function amqpHeartbeat(): Buffer {
  return amqpFrame(8, 0, Buffer.alloc(0))
}

/** basic.publish + content header + body frames of at most `frameBody` bytes. */
export function amqpPublish(channel: number, body: Buffer, frameBody: number): Buffer[] {
  const header = Buffer.alloc(14)
  header.writeUInt16BE(60, 0)
  header.writeBigUInt64BE(BigInt(body.length), 4)
  const frames = [amqpMethod(channel, 60, 40, Buffer.alloc(8)), amqpFrame(2, channel, header)]
  for (let i = 0; i < body.length; i += frameBody)
    frames.push(amqpFrame(3, channel, body.subarray(i, i + frameBody)))
  return frames
}
