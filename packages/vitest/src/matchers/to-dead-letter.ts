import { setTimeout as sleep } from 'node:timers/promises'
import type { RabbitMQService } from '@faultline/containers'
import {
  checkFunction,
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  formatSeconds,
  optionalNumber,
} from '@faultline/core'
import type { ChannelModel, GetMessage } from 'amqplib'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { countMessages, type QueueKind, queueKind, readClassic } from './dead-letter-queue.js'
import { message } from './message.js'

/** The dead-letter queue to look in: a connection (a channel of its own is opened per look) and its name. */
export interface DeadLetterQueueRef {
  connection: ChannelModel
  queue: string
  /**
   * The broker's service handle, whose management API tells the queue's type (whether its messages can be
   * read without changing them). Default: the plugin's RabbitMQ service the connection talks to.
   */
  service?: RabbitMQService
  /** The connection's vhost (the `rabbitmq` fixture's `vhost`); default: the vhost holding `queue`. */
  vhost?: string
}

/** What `toDeadLetter` waits for. */
export interface DeadLetterExpectation {
  /** Which message is the poison one (default: any message). Needs the messages' content: classic queues only. */
  match?: (message: GetMessage) => boolean
  /** The queue it must have been dead-lettered from, per the broker's `x-death` header. Classic queues only. */
  from?: string
  /** How many such messages must be there (default 1). */
  count?: number
  /** How long to wait for them, in ms (default 5 000). */
  within?: number
  /** Stops the wait early: the matcher then throws (no verdict). */
  signal?: AbortSignal
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

function checkExpectation(expected: DeadLetterExpectation) {
  const within = optionalNumber(expected.within, 'within', { unit: 'ms', above: 0 }, 5_000)
  const count = optionalNumber(expected.count, 'count', { integer: true, min: 1, unit: 'messages' }, 1)
  checkFunction(expected.match, 'match', { optional: true })
  if (expected.signal !== undefined && !(expected.signal instanceof AbortSignal)) {
    throw new FaultlineArgumentError(
      'signal',
      `expected an AbortSignal, got ${describeValue(expected.signal)}`,
    )
  }
  return { within, count }
}

// Polls fast at first, then every 100 ms: a dead letter usually arrives soon after the last delivery.
const pause = (look: number) => Math.min(5 * 2 ** look, 100)

/**
 * Waits, with a deadline and an optional AbortSignal, until `count` messages dead-lettered by the broker
 * (`x-death` evidence), matching `match` and from `from` if given, are in the dead-letter queue. It never
 * consumes nor changes them: it polls the queue's message count (passive declare) and reads the messages
 * only when that count changed, and only on a classic queue (requeued in place: a classic queue keeps no
 * delivery count). A quorum queue counts every read as a delivery (x-delivery-count + 1), so there it
 * judges by the count alone, and refuses `match` / `from`.
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
  const ref = checkRef(received)
  const { connection, queue } = ref
  const { within, count } = checkExpectation(expected)
  const needsContent = expected.match !== undefined || expected.from !== undefined
  const match = expected.match ?? (() => true)
  const deadline = AbortSignal.timeout(within)
  const stop = expected.signal ? AbortSignal.any([deadline, expected.signal]) : deadline
  const started = performance.now()

  let kind: QueueKind = 'unknown'
  let looks = 0
  let reads = 0
  let depth: number | undefined
  let judged: number | undefined // the depth the last judgement was made at
  let hits: GetMessage[] = []
  let wrongSource: GetMessage | undefined
  let counted = false // judged by the count alone (a quorum queue)
  for (let look = 0; look < 100_000; look++) {
    looks++
    depth = await countMessages(connection, queue)
    if (depth !== undefined && depth > 0 && depth !== judged) {
      judged = depth
      if (kind === 'unknown') kind = await queueKind(connection, queue, ref)
      if (kind === 'classic') {
        const seen = await readClassic(connection, queue, Math.min(depth, 10_000))
        reads++
        hits = []
        for (const m of seen.filter(match)) {
          const fromOk = expected.from === undefined || deaths(m).some((d) => d.queue === expected.from)
          if (deaths(m).length > 0 && fromOk) hits.push(m)
          else wrongSource ??= m
        }
      } else if (needsContent) {
        const option = expected.match !== undefined ? 'match' : 'from'
        throw new FaultlineArgumentError(
          option,
          `'${queue}' is ${kind === 'unknown' ? 'a queue of unknown type (no management API to ask: pass { service })' : `a ${kind} queue`}: ` +
            `toDeadLetter reads only classic queues, because RabbitMQ counts any read of a quorum queue's message as a delivery ` +
            '(basic.get, a consumer, the management API /get: each returns it with x-delivery-count + 1). ' +
            `Judge it by count (leave out match and from), or dead-letter into a classic queue to check the messages`,
        )
      } else {
        counted = true
      }
    }
    const found = counted ? (depth ?? 0) : hits.length
    if (found >= count || stop.aborted) break
    await sleep(pause(look), undefined, { signal: stop }).catch(() => {})
  }
  const elapsed = performance.now() - started
  const found = counted ? (depth ?? 0) : hits.length
  const pass = found >= count
  if (!pass && expected.signal?.aborted && !deadline.aborted) {
    throw new FaultlineError(
      'ABORTED',
      `toDeadLetter: the wait for '${queue}' was aborted after ${formatSeconds(elapsed)} s (${formatCount(looks)} looks, ${formatCount(depth ?? 0)} messages in it): no verdict`,
    )
  }

  const source = expected.from === undefined ? '' : ` from '${expected.from}'`
  const what = `${count === 1 ? 'a' : formatCount(count)} ${expected.match ? 'matching ' : ''}${count === 1 ? 'message' : 'messages'}`
  const looked = `${formatCount(looks)} looks, ${formatCount(reads)} ${reads === 1 ? 'read' : 'reads'}`
  const lines = pass
    ? counted
      ? [
          `${formatCount(found)} ${found === 1 ? 'message' : 'messages'} in '${queue}' after ${formatSeconds(elapsed)} s (${looked})`,
          `counted, not read: '${queue}' is a ${kind} queue, and reading its messages would add to their x-delivery-count; their x-death evidence was not checked`,
        ]
      : [
          `${what} dead-lettered${source} reached '${queue}' after ${formatSeconds(elapsed)} s (${looked}): ${evidence(hits[0]!)}`,
        ]
    : [
        `no ${count === 1 ? '' : `${formatCount(count)} `}${expected.match ? 'matching ' : ''}${count === 1 ? 'message' : 'messages'} dead-lettered${source} reached '${queue}' within ${formatSeconds(within)} s: ` +
          (depth === undefined
            ? `the queue does not exist (${looked})`
            : `${formatCount(depth)} messages in the queue at the last of ${looked}` +
              (!counted && hits.length > 0 ? `, ${formatCount(hits.length)} of them as expected` : '')),
        ...(wrongSource && hits.length === 0
          ? [`a matching message is there but without that evidence: ${evidence(wrongSource)}`]
          : []),
      ]
  return {
    pass,
    message: () =>
      message({
        subject: 'queue',
        matcher: 'toDeadLetter',
        args: `{ ${[
          expected.match ? 'match' : '',
          expected.from ? `from: '${expected.from}'` : '',
          expected.count !== undefined ? `count: ${count}` : '',
          `within: ${within}`,
        ]
          .filter(Boolean)
          .join(', ')} }`,
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
