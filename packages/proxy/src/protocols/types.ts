/** The protocols the proxy can frame to act at a precise message. */
export type ProtocolName = 'postgres' | 'redis' | 'amqp'

/** Every protocol name, for validation and error messages. */
export const protocolNames: readonly ProtocolName[] = ['postgres', 'redis', 'amqp']

/** A client -> service message found in the stream, by its byte range (stream offsets, end exclusive). */
interface MessageBase {
  readonly start: number
  readonly end: number
}

/**
 * A PostgreSQL frontend message. `type` is the message's type byte (`Q` simple query, `P` parse, `B` bind,
 * `E` execute, `S` sync, `X` terminate, ...) or `startup` / `ssl` / `gssenc` / `cancel` for the untyped
 * messages before authentication. `sql` is set for `Q`, `P`, and for `E` (the statement its portal runs).
 */
export interface PostgresMessage extends MessageBase {
  readonly protocol: 'postgres'
  readonly type: string
  readonly sql?: string | undefined
}

/** A Redis command: its name in upper case and its arguments (decoded as UTF-8). */
export interface RedisMessage extends MessageBase {
  readonly protocol: 'redis'
  readonly command: string
  readonly args: readonly string[]
}

/**
 * An AMQP 0-9-1 client method, e.g. `basic.publish`, on its channel. For content-bearing methods
 * (`basic.publish`) the range covers the content header and body frames too.
 */
export interface AmqpMessage extends MessageBase {
  readonly protocol: 'amqp'
  readonly method: string
  readonly channel: number
}

/** Any framed message. */
export type ProtocolMessage = PostgresMessage | RedisMessage | AmqpMessage

/**
 * Frames one direction of one connection. `push` takes chunks in order and reports each complete message;
 * `safe` is the stream offset up to which bytes may be forwarded (the start of the first message not yet
 * complete), so a trigger can still act before a message split across chunks.
 */
export interface Framer {
  push(chunk: Buffer, offset: number): void
  readonly safe: number
}

/** Creates a framer that reports messages to `onMessage`. */
export type FramerFactory = (onMessage: (message: ProtocolMessage) => void) => Framer
