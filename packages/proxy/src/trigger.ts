import {
  type Callee,
  checkOneOf,
  describeValue,
  FaultlineArgumentError,
  now,
  optionalNumber,
} from '@faultline/core'
import type { Connection } from './connection.js'
import { type Behaviour, type FaultHost, type FaultPlan, ProxyFault } from './fault.js'
import type { TriggerAction, TriggerOptions } from './options.js'
import { type MessageMatcher, summarize } from './protocols/matchers.js'
import type { ProtocolMessage, ProtocolName } from './protocols/types.js'

/** One firing of a trigger. */
export interface TriggerHit {
  /** The connection's id (1, 2, ... in accept order). */
  readonly connection: number
  /** The message, e.g. `Q COMMIT`, `EXEC`, `basic.ack (channel 1)`. */
  readonly message: string
  /** When the message was seen, epoch ms (core's `now()`). */
  readonly at: number
}

/**
 * A trigger: a {@link ProxyFault} that acts at a client message, and lists the messages it acted at.
 *
 * @example
 * await using cut = proxy.trigger(onPostgres.commit())
 * // ... the client sends COMMIT, the connection is reset ...
 * cut.hits // [{ connection: 1, message: 'Q COMMIT', at: 1764150000123.4 }]
 */
export class Trigger extends ProxyFault {
  /** @internal Triggers are set through `proxy.trigger()`. */
  constructor(
    plan: FaultPlan,
    seed: number,
    host: FaultHost,
    /** The messages the trigger acted at, in order. */
    readonly hits: readonly TriggerHit[],
  ) {
    super(plan, seed, host)
  }
}

/**
 * Checks a trigger's matcher and options against the protocol the proxy frames, and plans it: the
 * trigger acts on every connection (its `probability` is 1), at the messages the matcher selects.
 */
export function triggerPlan(
  matcher: MessageMatcher,
  options: TriggerOptions,
  framed: ProtocolName | undefined,
  hits: TriggerHit[],
  callee: Callee,
): FaultPlan {
  if (typeof matcher !== 'object' || matcher === null || typeof matcher.matches !== 'function') {
    throw new FaultlineArgumentError(
      'matcher',
      `expected a matcher such as onPostgres.commit(), onRedis.command('EXEC') or onAmqp.method('basic.ack'), got ${describeValue(matcher)}`,
      callee,
    )
  }
  if (framed !== matcher.protocol) {
    const fix =
      framed === undefined
        ? `create the proxy with createProxy({ upstream, protocol: '${matcher.protocol}' })`
        : `this proxy frames ${framed}`
    throw new FaultlineArgumentError(
      'matcher',
      `${matcher.description} needs ${matcher.protocol} framing; ${fix}`,
      callee,
    )
  }
  const actions: readonly TriggerAction[] = ['reset', 'close', 'blackHole']
  const action = checkOneOf(options.action, actions, 'options.action', 'reset', callee)
  const at = checkOneOf(options.at, ['before', 'after'] as const, 'options.at', 'before', callee)
  const count = { integer: true, min: 1 } as const
  const nth = optionalNumber(options.nth, 'options.nth', count, 1, callee)
  const times =
    options.times === Number.POSITIVE_INFINITY
      ? Number.POSITIVE_INFINITY
      : optionalNumber(options.times, 'options.times', count, 1, callee)
  return {
    kind: 'trigger',
    direction: 'upstream',
    params: { message: matcher.description, action, at, nth, times },
    probability: 1,
    seed: undefined,
    behaviour: () => triggerBehaviour(matcher, { action, at, nth, times }, hits),
  }
}

/** A trigger's validated settings. */
export interface TriggerPlan {
  readonly action: TriggerAction
  readonly at: 'before' | 'after'
  readonly nth: number
  readonly times: number
}

// A PostgreSQL Execute takes effect at the Sync that follows it: outside a transaction block, that is
// where its implicit transaction commits. A cut between the two rolls the statement back, so `after` an
// Execute means after its Sync.
const completedLater = (message: ProtocolMessage): boolean =>
  message.protocol === 'postgres' && message.type === 'E'
const completes = (message: ProtocolMessage): boolean =>
  message.protocol === 'postgres' && message.type === 'S'

/**
 * What a trigger does: counts the client messages `matcher` selects (over all connections) and, from the
 * n-th on, `times` times, puts a mark at the message's start (`before`) or end (`after`, once the framer
 * has read it; for a PostgreSQL Execute, the end of the Sync after it, unless the matcher is `exact`) on
 * that connection's client -> service pipe; the pipe forwards exactly up to the mark, then the action runs.
 */
export function triggerBehaviour(matcher: MessageMatcher, plan: TriggerPlan, hits: TriggerHit[]): Behaviour {
  let count = 0
  const owner = {}
  // Connections whose matched Execute waits for its Sync.
  const waitingForSync = new Set<Connection>()
  const fire = (connection: Connection): void => {
    if (plan.action === 'blackHole') connection.freeze()
    else connection.cut(plan.action, plan.at === 'after')
  }
  const markAtEnd = (connection: Connection, message: ProtocolMessage): void =>
    connection.framing?.atEnd(message, (offset) =>
      connection.up.addMark({ offset, owner, run: () => fire(connection) }),
    )
  return {
    message(connection, message) {
      if (waitingForSync.has(connection) && completes(message)) {
        waitingForSync.delete(connection)
        markAtEnd(connection, message)
      }
      if (!matcher.matches(message)) return
      count++
      if (count < plan.nth || hits.length >= plan.times) return
      hits.push({ connection: connection.id, message: summarize(message), at: now() })
      if (plan.at === 'before')
        connection.up.addMark({ offset: message.start, owner, run: () => fire(connection) })
      else if (completedLater(message) && !matcher.exact) waitingForSync.add(connection)
      else markAtEnd(connection, message)
    },
  }
}
