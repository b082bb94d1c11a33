// The ready RabbitMQ property of an exploration: nothing acknowledged is lost. Across the queues named,
// a faulted run leaves at least as many messages as the run without a fault (a message still waiting to
// be consumed, or its work done); more is a redelivery, which at-least-once allows.
import { setTimeout as sleep } from 'node:timers/promises'
import { describeValue, FaultlineArgumentError, formatCount, optionalNumber } from '@faultline/core'
import type { ExploreCheck, ExploreState } from '@faultline/proxy'
import amqp from 'amqplib'

/** What {@link noMessageLost} counts. */
export interface NoMessageLostOptions {
  /** The queues a message may rest in: its input queue and where its work lands, e.g. `['orders', 'processed']`. */
  queues: readonly string[]
  /**
   * How long the broker gets to requeue what a cut connection left unacknowledged before a shortfall is a
   * loss, in ms. Default 2 000.
   */
  within?: number
}

type Counts = Record<string, number>

const total = (counts: Counts) => Object.values(counts).reduce((a, b) => a + b, 0)
const show = (counts: Counts) =>
  Object.entries(counts)
    .map(([queue, n]) => `${queue} ${formatCount(n)}`)
    .join(', ')

async function countMessages(url: string, queues: readonly string[]): Promise<Counts> {
  const connection = await amqp.connect(url)
  connection.on('error', () => {})
  try {
    const channel = await connection.createChannel()
    channel.on('error', () => {})
    const counts: Counts = {}
    for (const queue of queues) counts[queue] = (await channel.checkQueue(queue)).messageCount
    return counts
  } finally {
    await connection.close().catch(() => {})
  }
}

/**
 * RabbitMQ: nothing acknowledged lost, as an exploration check. After each faulted run the queues hold at
 * least as many messages as after the run without a fault; a consumer that acknowledges before its work
 * is durable leaves fewer when the fault falls between the two.
 *
 * @example
 * await expect(consume).toSurviveEveryFault({
 *   fresh: withOneOrder, // a fresh vhost holding one message in `orders`
 *   check: noMessageLost({ queues: ['orders', 'processed'] }),
 * })
 */
export function noMessageLost(options: NoMessageLostOptions): ExploreCheck<ExploreState> {
  const queues = options?.queues
  if (
    !Array.isArray(queues) ||
    queues.length === 0 ||
    queues.some((q) => typeof q !== 'string' || q === '')
  ) {
    throw new FaultlineArgumentError(
      'options.queues',
      `expected the queues a message may rest in, e.g. ['orders', 'processed'], got ${describeValue(queues)}`,
      noMessageLost,
    )
  }
  const within = optionalNumber(
    options.within,
    'options.within',
    { unit: 'ms', min: 0 },
    2_000,
    noMessageLost,
  )
  return {
    name: 'no message lost',
    read: (state) => countMessages(state.url, queues),
    async judge(run) {
      if (run.clean === undefined) return undefined
      const cleanAfter = run.clean.after as Counts
      const kept = total(cleanAfter)
      // A cut connection's unacknowledged messages come back once the broker has seen it close: a
      // shortfall is a loss only when it lasts (bounded by `within`).
      let after = run.after as Counts
      const deadline = performance.now() + within
      for (let i = 0; i < 1_000 && total(after) < kept && performance.now() < deadline; i++) {
        await sleep(50)
        after = await countMessages(run.state.url, queues)
      }
      return total(after) < kept
        ? `${formatCount(kept - total(after))} of ${formatCount(kept)} messages lost (${show(after)}; the run without a fault left ${show(cleanAfter)})`
        : undefined
    },
  }
}
