import type { Channel, ConsumeMessage } from 'amqplib'
import type pg from 'pg'
import type { LlmClient } from './llm.js'
import { WORK_QUEUE } from './queues.js'

/** A message on the work queue, as the API publishes it. */
export interface WorkItem {
  id: number
  tenantId: string
  body: string
}

export interface Worker {
  /** Messages answered and stored. */
  readonly processed: Set<number>
  /** Deliveries that failed (malformed, LLM error) and went back to the broker. */
  readonly failures: number
  /** Stops consuming and aborts the LLM calls in flight. */
  stop(): Promise<void>
}

function parse(content: Buffer): WorkItem {
  const item = JSON.parse(content.toString()) as WorkItem
  if (!Number.isInteger(item.id) || typeof item.tenantId !== 'string' || typeof item.body !== 'string')
    throw new Error('malformed work item')
  return item
}

/**
 * Consumes the work queue: asks the LLM for a reply to each message and stores it (once: a redelivered
 * message does not store a second reply). What fails goes back to the broker, which counts deliveries and,
 * on the hardened queue, dead-letters the message after its delivery limit.
 */
export async function startWorker(
  channel: Channel,
  db: pg.Pool,
  llm: LlmClient,
  { prefetch = 10 }: { prefetch?: number } = {},
): Promise<Worker> {
  const processed = new Set<number>()
  let failures = 0
  const stopping = new AbortController()
  await channel.prefetch(prefetch)
  const handle = async (m: ConsumeMessage): Promise<void> => {
    try {
      const item = parse(m.content)
      const reply = await llm.complete(item.body, stopping.signal)
      await db.query(
        'INSERT INTO replies (message_id, tenant_id, reply) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [item.id, item.tenantId, reply],
      )
      processed.add(item.id)
      channel.ack(m)
    } catch {
      failures++
      if (stopping.signal.aborted) return // the channel closes with the worker: the broker redelivers
      try {
        channel.nack(m, false, true)
      } catch {
        // the channel is gone: the broker redelivers what it did not see acknowledged
      }
    }
  }
  const { consumerTag } = await channel.consume(WORK_QUEUE, (m) => {
    if (m) void handle(m)
  })
  return {
    processed,
    get failures() {
      return failures
    },
    async stop() {
      await channel.cancel(consumerTag).catch(() => {}) // the channel may be closed already
      stopping.abort(new Error('worker stopped'))
    },
  }
}
