/** The protocols the proxy can frame to act at a precise message. */
export type ProtocolName = 'postgres' | 'redis' | 'amqp'

/** Every protocol name, for validation and error messages. */
export const protocolNames: readonly ProtocolName[] = ['postgres', 'redis', 'amqp']

/** A client -> service message found in the stream, by its byte range (stream offsets, end exclusive). */
interface MessageBase {
  readonly start: number
  /**
   * Where the message ends. A message longer than the {@link FRAMING_WINDOW} whose length is not in its
   * header (a Redis command, an AMQP publish with its content) is reported before its end was read: `end`
   * is `Infinity` until then, and set when the proxy reads it.
   */
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
 * How many bytes of a message a framer waits for before it reports the message: a message whose fields
 * fit is reported whole; a longer one is reported once this many bytes of it were read (the SQL, the
 * command and arguments read by then), and the rest of it streams through. It bounds what framing holds
 * back per connection, whatever the message size.
 */
export const FRAMING_WINDOW = 64 * 1024

/** What a framer reports, in stream order. */
export interface FramerEvents {
  /**
   * Whether anyone reads messages now (an active trigger). When not, a framer may skip decoding what only
   * a matcher reads, and not report; it still tracks where messages start and end.
   */
  readonly listening: boolean
  /** A message, once the fields a matcher reads are known: whole, or its first {@link FRAMING_WINDOW} bytes. */
  message(message: ProtocolMessage): void
  /** A message reported with `end: Infinity` now has its end. */
  end(message: ProtocolMessage): void
}

/**
 * Frames one direction of one connection. `push` takes chunks in order; each message is reported once,
 * no later than when its first {@link FRAMING_WINDOW} bytes were pushed, and its end no later than the
 * push of the chunk holding it. `safe` is the stream offset up to which bytes may be forwarded: the start
 * of the first message not reported yet (the bytes consumed so far when there is none), so a trigger can
 * still act before a message split across chunks.
 */
export interface Framer {
  push(chunk: Buffer, offset: number): void
  readonly safe: number
}

/** Creates a framer that reports to `events`. */
export type FramerFactory = (events: FramerEvents) => Framer

/** A message as a framer builds it: `end` is set late for a message reported before its end was read. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }
