import { setTimeout as sleep } from 'node:timers/promises'
import { FaultlineArgumentError, formatCount, formatSeconds } from '@faultline/core'
import type { ChannelModel, GetMessage } from 'amqplib'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { message } from './message.js'

/** The dead-letter queue to look in: a connection (a channel of its own is opened per look) and its name. */
export interface DeadLetterQueueRef {
  connection: ChannelModel
  queue: string
}

/** What `toDeadLetter` waits for. */
export interface DeadLetterExpectation {
  /** Which message is the poison one (default: any message). */
  match?: (message: GetMessage) => boolean
  /** The queue it must have been dead-lettered from, per the broker's `x-death` header. */
  from?: string
  /** How long to wait for it, in ms (default 5 000). */
  within?: number
}

interface XDeath {
  queue?: string
  reason?: string
  count?: number
}

function deaths(m: GetMessage): XDeath[] {
  const header = m.properties.headers?.['x-death']
  return Array.isArray(header) ? (header as XDeath[]) : []
}

function evidence(m: GetMessage): string {
  const list = deaths(m)
  if (list.length === 0) return 'no x-death header (not dead-lettered by the broker)'
  return `x-death ${list.map((d) => `${d.queue ?? '?'} ${d.reason ?? '?'} x${d.count ?? '?'}`).join(', ')}`
}

function checkRef(received: unknown): DeadLetterQueueRef {
  const ref = received as Partial<DeadLetterQueueRef> | null
  if (!ref || typeof ref.queue !== 'string' || typeof ref.connection?.createChannel !== 'function') {
    throw new FaultlineArgumentError(
      'received',
      'toDeadLetter expects { connection, queue }: an amqplib connection (ChannelModel) and the dead-letter queue name, e.g. expect({ connection: rabbitmq.connection, queue: "orders.dlq" })',
    )
  }
  return ref as DeadLetterQueueRef
}

/** Reads every message of `queue` without consuming it: unacknowledged gets on a channel that is then closed. */
async function browse(connection: ChannelModel, queue: string): Promise<GetMessage[]> {
  const channel = await connection.createChannel()
  channel.on('error', () => {})
  try {
    const found: GetMessage[] = []
    for (let i = 0; i < 10_000; i++) {
      const m = await channel.get(queue, { noAck: false })
      if (m === false) break
      found.push(m)
    }
    return found
  } finally {
    await channel.close().catch(() => {}) // closing requeues every message read
  }
}

/**
 * Passes when a message matching `match` reaches the dead-letter queue within `within` ms, dead-lettered by
 * the broker (`x-death` evidence), from `from` if given. Polls; never consumes the queue's messages.
 *
 * @example
 * await expect({ connection: rabbitmq.connection, queue: 'orders.dlq' }).toDeadLetter({
 *   match: (m) => m.properties.messageId === 'poison-1',
 *   from: 'orders',
 * })
 */
export async function toDeadLetter(
  this: MatcherState,
  received: unknown,
  expected: DeadLetterExpectation = {},
): Promise<SyncMatcherResult> {
  const { connection, queue } = checkRef(received)
  const within = expected.within ?? 5_000
  if (!(Number.isFinite(within) && within > 0)) {
    throw new FaultlineArgumentError('within', `must be a positive number of ms, got ${within}`)
  }
  const match = expected.match ?? (() => true)
  const started = performance.now()
  let polls = 0
  let seen: GetMessage[] = []
  let hit: GetMessage | undefined
  let wrongSource: GetMessage | undefined
  while (!hit) {
    polls++
    seen = await browse(connection, queue)
    for (const m of seen.filter(match)) {
      const fromOk = expected.from === undefined || deaths(m).some((d) => d.queue === expected.from)
      if (deaths(m).length > 0 && fromOk) hit = m
      else wrongSource ??= m
    }
    if (hit || performance.now() - started >= within) break
    await sleep(100)
  }
  const elapsed = performance.now() - started
  const pass = hit !== undefined
  const source = expected.from === undefined ? '' : ` from '${expected.from}'`
  const lines = pass
    ? [`a matching message reached '${queue}'${source} after ${formatSeconds(elapsed)} s: ${evidence(hit!)}`]
    : [
        `no matching message dead-lettered${source} reached '${queue}' within ${formatSeconds(within)} s: ` +
          `${formatCount(seen.length)} messages in the queue at the last of ${formatCount(polls)} looks`,
        ...(wrongSource
          ? [`a matching message is there but without that evidence: ${evidence(wrongSource)}`]
          : []),
      ]
  return {
    pass,
    message: () =>
      message({
        subject: 'queue',
        matcher: 'toDeadLetter',
        args: `{ ${[expected.match ? 'match' : '', expected.from ? `from: '${expected.from}'` : '', `within: ${within}`].filter(Boolean).join(', ')} }`,
        isNot: this.isNot,
        lines,
        hints: pass
          ? []
          : [
              'dead-lettering needs x-dead-letter-exchange on the work queue, and either x-delivery-limit (quorum queue) with a consumer that requeues, or a consumer that rejects with requeue=false after its last attempt',
            ],
      }),
  }
}
