// Looks into a queue without changing it, for toDeadLetter. Counting uses a passive queue.declare on a
// channel of its own: no message is touched. Reading content is another matter: every AMQP 0-9-1 read
// (basic.get or a consumer, then a requeue or a closed channel) hands the message back as a returned
// delivery, and the management API's /get does the same (ackmode ack_requeue_true or reject_requeue_true).
// A classic queue keeps no delivery count (it only sets `redelivered`), so its messages may be read that
// way; a quorum queue adds one to each message's x-delivery-count (and dead-letters it past its delivery
// limit), so its messages are never read here: the queue's type is asked of the management API first.
import { randomBytes } from 'node:crypto'
import type { RabbitMQService } from '@faultline/containers'
import type { ChannelModel, GetMessage } from 'amqplib'
import { useServices } from '../services.js'

/** What a queue is, as far as reading it goes. */
export type QueueKind = 'classic' | 'quorum' | 'stream' | 'unknown'

/** The messages ready in `queue` (passive queue.declare), or undefined when there is no such queue. */
export async function countMessages(connection: ChannelModel, queue: string): Promise<number | undefined> {
  const channel = await connection.createChannel()
  channel.on('error', () => {}) // a missing queue closes the channel with 404
  try {
    return (await channel.checkQueue(queue)).messageCount
  } catch {
    return undefined
  } finally {
    await channel.close().catch(() => {})
  }
}

/**
 * Reads up to `limit` messages of a classic queue without consuming them: unacknowledged gets on a channel
 * of its own, which is then closed (the broker requeues them in place, flagged `redelivered`).
 */
export async function readClassic(
  connection: ChannelModel,
  queue: string,
  limit: number,
): Promise<GetMessage[]> {
  const channel = await connection.createChannel()
  channel.on('error', () => {})
  try {
    const found: GetMessage[] = []
    for (let i = 0; i < limit; i++) {
      const m = await channel.get(queue, { noAck: false })
      if (m === false) break
      found.push(m)
    }
    return found
  } finally {
    await channel.close().catch(() => {})
  }
}

// The plugin's RabbitMQ service this connection talks to: the one listening on its peer's port.
function serviceOf(connection: ChannelModel): RabbitMQService | undefined {
  const socket = (connection as unknown as { connection?: { stream?: { remotePort?: number } } }).connection
    ?.stream
  if (socket?.remotePort === undefined) return undefined
  try {
    const services = useServices()
    return services.names
      .map((name) => services.get(name))
      .find((s): s is RabbitMQService => s.info.kind === 'rabbitmq' && s.port === socket.remotePort)
  } catch {
    return undefined // no plugin in this project
  }
}

interface QueueInfo {
  name: string
  vhost: string
  type?: string
}

// The connection's vhost, when several vhosts hold a queue of that name: amqplib does not keep it, and the
// management API lists a new connection only at its next statistics tick. A private exclusive queue with a
// random name, declared on a channel of its own, shows up at once in the vhost it was declared in.
async function vhostOf(connection: ChannelModel, service: RabbitMQService): Promise<string | undefined> {
  const channel = await connection.createChannel()
  channel.on('error', () => {})
  try {
    const { queue } = await channel.assertQueue(`faultline.vhost-probe.${randomBytes(6).toString('hex')}`, {
      exclusive: true,
      autoDelete: true,
      durable: false,
    })
    const all = (await service.management('GET', '/queues?columns=name,vhost')) as QueueInfo[]
    return all.find((q) => q.name === queue)?.vhost
  } finally {
    await channel.close().catch(() => {}) // the exclusive queue goes with it
  }
}

const queuePath = (vhost: string, queue: string) =>
  `/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}?columns=name,vhost,type`

/**
 * The queue's type, from the broker's management API: through `service` if given, else the plugin's
 * service this connection talks to. In `vhost` if given, else in the connection's vhost. `unknown` when
 * there is no management API to ask, or no such queue.
 */
export async function queueKind(
  connection: ChannelModel,
  queue: string,
  options: { service?: RabbitMQService; vhost?: string },
): Promise<QueueKind> {
  const service = options.service ?? serviceOf(connection)
  if (!service) return 'unknown'
  try {
    let found: QueueInfo[]
    if (options.vhost !== undefined) {
      found = [(await service.management('GET', queuePath(options.vhost, queue))) as QueueInfo]
    } else {
      found = ((await service.management('GET', '/queues?columns=name,vhost,type')) as QueueInfo[]).filter(
        (q) => q.name === queue,
      )
      if (new Set(found.map((q) => q.type ?? 'classic')).size > 1) {
        const vhost = await vhostOf(connection, service)
        found =
          vhost === undefined ? [] : [(await service.management('GET', queuePath(vhost, queue))) as QueueInfo]
      }
    }
    const types = new Set(found.map((q) => q.type ?? 'classic'))
    const [type] = types
    return types.size === 1 && (type === 'classic' || type === 'quorum' || type === 'stream')
      ? type
      : 'unknown'
  } catch {
    return 'unknown' // no such queue, or the management API did not answer
  }
}
