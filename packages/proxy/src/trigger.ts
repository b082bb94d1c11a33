import type { Connection } from './connection.js'
import { type Behaviour, Fault } from './fault.js'
import type { TriggerAction } from './options.js'
import { type MessageMatcher, summarize } from './protocols/matchers.js'
import { type FaultRecord, now } from './timeline.js'

/** One firing of a trigger. */
export interface TriggerHit {
  /** The connection's id (1, 2, ... in accept order). */
  readonly connection: number
  /** The message, e.g. `Q COMMIT`, `EXEC`, `basic.ack (channel 1)`. */
  readonly message: string
  /** Wall-clock ms when the message was seen. */
  readonly at: number
}

/** A trigger: a {@link Fault} that also lists the messages it acted at. */
export class Trigger extends Fault {
  /** @internal */
  constructor(
    record: FaultRecord,
    probability: number,
    behaviour: Behaviour,
    onHeal: (fault: Fault) => void,
    /** The messages the trigger acted at, in order. */
    readonly hits: readonly TriggerHit[],
  ) {
    super(record, probability, behaviour, onHeal)
  }
}

/** A trigger's validated settings. */
export interface TriggerPlan {
  readonly action: TriggerAction
  readonly at: 'before' | 'after'
  readonly nth: number
  readonly times: number
}

/**
 * What a trigger does: counts the client messages `matcher` selects (over all connections) and, from the
 * n-th on, `times` times, puts a mark at the message's start (`before`) or end (`after`, once the framer
 * has read it) on that connection's client -> service pipe; the pipe forwards exactly up to the mark, then
 * the action runs.
 */
export function triggerBehaviour(matcher: MessageMatcher, plan: TriggerPlan, hits: TriggerHit[]): Behaviour {
  let count = 0
  const owner = {}
  const fire = (connection: Connection): void => {
    if (plan.action === 'blackHole') connection.freeze()
    else connection.cut(plan.action, plan.at === 'after')
  }
  return {
    message(connection, message) {
      if (!matcher.matches(message)) return
      count++
      if (count < plan.nth || hits.length >= plan.times) return
      hits.push({ connection: connection.id, message: summarize(message), at: now() })
      const mark = (offset: number): void =>
        connection.up.addMark({ offset, owner, run: () => fire(connection) })
      if (plan.at === 'before') mark(message.start)
      else if (connection.framing !== undefined) connection.framing.atEnd(message, mark)
    },
  }
}
