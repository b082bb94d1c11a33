import { describeValue, FaultlineArgumentError } from '@faultline/core'
import { AmqpFramer, amqpMethods } from './amqp.js'
import { PostgresFramer } from './postgres.js'
import { RedisFramer } from './redis.js'
import type {
  AmqpMessage,
  FramerFactory,
  PostgresMessage,
  ProtocolMessage,
  ProtocolName,
  RedisMessage,
} from './types.js'

/** Selects the client messages a trigger acts on. Build one with `onPostgres`, `onRedis` or `onAmqp`. */
export interface MessageMatcher {
  readonly protocol: ProtocolName
  /** What the matcher selects, for the timeline and error messages, e.g. `postgres COMMIT`. */
  readonly description: string
  matches(message: ProtocolMessage): boolean
  /**
   * With `at: 'after'`, act at the end of the matched message itself, even where the protocol completes
   * it later (a PostgreSQL Execute takes effect at the Sync after it). For exploring each message as a
   * point of its own; a trigger's `after` otherwise waits for that completion.
   */
  readonly exact?: boolean
}

/** The framer of each protocol. */
export const framers: Readonly<Record<ProtocolName, FramerFactory>> = {
  postgres: (events) => new PostgresFramer(events),
  redis: (events) => new RedisFramer(events),
  amqp: (events) => new AmqpFramer(events),
}

/** SQL text as a pattern or a predicate. */
export type SqlFilter = RegExp | ((sql: string) => boolean)

// A simple query may hold several statements; a COMMIT anywhere in it commits.
const COMMIT = /^\s*(commit|end)\b/i
const isCommit = (sql: string): boolean => sql.split(';').some((statement) => COMMIT.test(statement))

// A query is what runs SQL: a simple query (Q) or an execute (E); P and B only prepare it.
const runsSql = (message: ProtocolMessage): message is PostgresMessage & { sql: string } =>
  message.protocol === 'postgres' &&
  (message.type === 'Q' || message.type === 'E') &&
  message.sql !== undefined

/**
 * PostgreSQL message matchers (client -> server, simple and extended query protocol).
 *
 * @example
 * await using cut = proxy.trigger(onPostgres.commit(), { action: 'reset' })
 * await using third = proxy.trigger(onPostgres.query(), { nth: 3, action: 'blackHole' })
 */
export const onPostgres = {
  /** A `COMMIT` (or `END`): a simple query containing it, or the execute of a prepared `COMMIT`. */
  commit(): MessageMatcher {
    return {
      protocol: 'postgres',
      description: 'postgres COMMIT',
      matches: (m) => runsSql(m) && isCommit(m.sql),
    }
  },
  /** Any query (simple `Q` or extended `E`), optionally only those whose SQL passes `filter`. */
  query(filter?: SqlFilter): MessageMatcher {
    if (filter !== undefined && !(filter instanceof RegExp) && typeof filter !== 'function') {
      throw new FaultlineArgumentError(
        'filter',
        `expected a RegExp or a function of the SQL, got ${describeValue(filter)}`,
      )
    }
    const test =
      filter === undefined ? () => true : filter instanceof RegExp ? (s: string) => filter.test(s) : filter
    const description = `postgres query${filter instanceof RegExp ? ` ${filter}` : ''}`
    return { protocol: 'postgres', description, matches: (m) => runsSql(m) && test(m.sql) }
  },
  /** Any message of a frontend type (`'X'` terminate, `'S'` sync, `'startup'`, ...). */
  message(type: string): MessageMatcher {
    if (typeof type !== 'string' || type === '') {
      throw new FaultlineArgumentError(
        'type',
        `expected a message type such as 'Q' or 'startup', got ${describeValue(type)}`,
      )
    }
    return {
      protocol: 'postgres',
      description: `postgres message ${type}`,
      matches: (m) => m.protocol === 'postgres' && m.type === type,
    }
  },
}

/**
 * Redis command matchers.
 *
 * @example
 * await using cut = proxy.trigger(onRedis.command('EXEC'), { action: 'reset' })
 * await using set = proxy.trigger(onRedis.command('SET', (args) => args[0] === 'balance'))
 */
export const onRedis = {
  /** A command by name (any case), optionally only when `args` (after the name) pass the filter. */
  command(name: string, filter?: (args: readonly string[]) => boolean): MessageMatcher {
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_|-]*$/i.test(name)) {
      throw new FaultlineArgumentError(
        'name',
        `expected a Redis command name such as 'EXEC', got ${describeValue(name)}`,
      )
    }
    const command = name.toUpperCase()
    const matches = (m: ProtocolMessage): boolean =>
      m.protocol === 'redis' && m.command === command && (filter === undefined || filter(m.args))
    return { protocol: 'redis', description: `redis ${command}`, matches }
  },
}

/**
 * AMQP 0-9-1 method matchers (client -> broker).
 *
 * @example
 * await using cut = proxy.trigger(onAmqp.method('basic.ack'), { action: 'reset' })
 */
export const onAmqp = {
  /** A method by its `class.method` name, e.g. `basic.ack`, `basic.publish`, `tx.commit`. */
  method(name: string): MessageMatcher {
    if (typeof name !== 'string' || !amqpMethods.has(name)) {
      throw new FaultlineArgumentError(
        'name',
        `expected an AMQP 0-9-1 method as 'class.method' (e.g. 'basic.ack', 'basic.publish'), got ${describeValue(name)}`,
      )
    }
    return {
      protocol: 'amqp',
      description: `amqp ${name}`,
      matches: (m) => m.protocol === 'amqp' && m.method === name,
    }
  },
}

/** A one-line description of a message for trigger hits. */
export function summarize(message: ProtocolMessage): string {
  if (message.protocol === 'postgres')
    return message.sql !== undefined ? `${message.type} ${message.sql}` : message.type
  if (message.protocol === 'redis') return [message.command, ...message.args.slice(0, 2)].join(' ')
  return `${message.method} (channel ${message.channel})`
}

export type { AmqpMessage, PostgresMessage, RedisMessage }
