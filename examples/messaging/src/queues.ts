import type { Channel, ConfirmChannel, Options } from 'amqplib'

export const WORK_QUEUE = 'messages.work'
export const DEAD_LETTERS = 'messages.dlq'

/** The hardened queue's settings: what the tests' bounds are computed from. */
export const QUEUE = {
  /** Deliveries a message gets before the broker dead-letters it: 1 + the redeliveries allowed. */
  deliveryLimit: 2,
  /** Messages ready in the work queue, at most; past it the broker refuses publishes (the API answers 503). */
  maxLength: 200,
} as const

// #region declare-queues
/**
 * Declares the work queue.
 *
 * - hardened: a quorum queue that counts deliveries and dead-letters a message after 3 of them to
 *   `messages.dlq`, and refuses publishes past 200 ready messages (`reject-publish`) instead of growing
 *   without bound while the workers are down;
 * - naive (the audit's): a plain durable queue, so a message that always fails is requeued forever and the
 *   queue grows as long as producers publish.
 */
export async function declareQueues(channel: Channel, { hardened }: { hardened: boolean }): Promise<void> {
  await channel.assertQueue(DEAD_LETTERS, { durable: true }) // classic: a test can read what is in it
  if (!hardened) {
    await channel.assertQueue(WORK_QUEUE, { durable: true }) // nothing routes to the DLQ
    return
  }
  await channel.assertQueue(WORK_QUEUE, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': QUEUE.deliveryLimit,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': DEAD_LETTERS,
      'x-max-length': QUEUE.maxLength,
      'x-overflow': 'reject-publish',
    },
  })
}
// #endregion declare-queues

// #region publish
/**
 * Publishes one persistent message and waits for the broker's answer: true when it took the message, false
 * when it refused it (the hardened queue is full). Only a confirmed message may be acknowledged to a caller.
 */
export function publish(
  channel: ConfirmChannel,
  content: string,
  options: Options.Publish = {},
): Promise<boolean> {
  return new Promise((resolve) =>
    channel.sendToQueue(WORK_QUEUE, Buffer.from(content), { persistent: true, ...options }, (error) =>
      resolve(!error),
    ),
  )
}
// #endregion publish

/**
 * Moves every dead-lettered message back to the work queue (after an outage is over), each acknowledged in
 * the DLQ only once the broker confirmed its copy. Returns how many it moved.
 */
export async function replayDeadLetters(channel: ConfirmChannel, { max = 10_000 } = {}): Promise<number> {
  let moved = 0
  for (; moved < max; moved++) {
    const message = await channel.get(DEAD_LETTERS)
    if (message === false) break
    if (!(await publish(channel, message.content.toString(), { messageId: message.properties.messageId }))) {
      channel.nack(message, false, true) // the work queue is full: leave it in the DLQ for the next replay
      break
    }
    channel.ack(message)
  }
  return moved
}
