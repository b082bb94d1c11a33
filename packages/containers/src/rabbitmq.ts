import { randomBytes } from 'node:crypto'
import { FaultlineError } from '@faultline/core'
import { RabbitMQContainer } from '@testcontainers/rabbitmq'
import amqp from 'amqplib'
import type { RabbitMQInfo } from './info.js'
import { Service } from './service.js'
import {
  type ContainerDefinition,
  type ContainerServiceOptions,
  defineContainer,
  startLabelled,
} from './start.js'

/** Options of a RabbitMQ service. */
export type RabbitMQOptions = ContainerServiceOptions

/** A fresh vhost for one test; deleted (with its queues, exchanges and connections) on dispose. */
export interface IsolatedVhost extends AsyncDisposable {
  vhost: string
  /** An AMQP URL into the vhost. */
  url: string
  delete(): Promise<void>
}

/** A running RabbitMQ service. */
export class RabbitMQService extends Service<RabbitMQInfo> {
  /** An AMQP URL into `vhost` with this service's credentials. */
  urlFor(vhost: string): string {
    const url = new URL(this.info.url)
    url.pathname = `/${encodeURIComponent(vhost)}`
    return url.toString()
  }

  /** Connects with amqplib to the default vhost (or the given one). */
  connect(vhost = this.info.vhost): Promise<amqp.ChannelModel> {
    return amqp.connect(this.urlFor(vhost))
  }

  protected override async probe(): Promise<void> {
    const connection = await amqp.connect(this.url, { timeout: 2_000 })
    connection.on('error', () => {})
    await connection.close()
  }

  /** Calls the management HTTP API; throws with the API's answer on a non-2xx status. */
  async management(method: string, path: string, body?: unknown): Promise<unknown> {
    const auth = Buffer.from(`${this.info.username}:${this.info.password}`).toString('base64')
    const response = await fetch(`${this.info.managementUrl}/api${path}`, {
      method,
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    if (!response.ok) {
      throw new FaultlineError(
        'RABBITMQ_MANAGEMENT',
        `service '${this.name}': ${method} ${path} answered ${response.status} ${await response.text()}`,
      )
    }
    const text = await response.text()
    return text ? JSON.parse(text) : undefined
  }

  /**
   * Creates a vhost for one test through the management API and grants the service's user full rights on
   * it; `await using` deletes it after the test, with everything in it.
   */
  async isolate(): Promise<IsolatedVhost> {
    const vhost = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
    const path = encodeURIComponent(vhost)
    await this.management('PUT', `/vhosts/${path}`)
    await this.management('PUT', `/permissions/${path}/${encodeURIComponent(this.info.username)}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    })
    const remove = async () => {
      await this.management('DELETE', `/vhosts/${path}`)
    }
    return { vhost, url: this.urlFor(vhost), delete: remove, [Symbol.asyncDispose]: remove }
  }
}

/** A RabbitMQ service definition; `start()` runs it in a container. */
export type RabbitMQDefinition = ContainerDefinition<'rabbitmq', RabbitMQOptions, RabbitMQService>

/**
 * A RabbitMQ broker in a container (`@testcontainers/rabbitmq`) with the management API, so that each
 * test can have a vhost of its own.
 *
 * @example
 * import { rabbitmqContainer } from '@faultline/containers'
 * import amqp from 'amqplib'
 *
 * await using mq = await rabbitmqContainer().start('orders-mq')
 * await using vhost = await mq.isolate()
 * const connection = await amqp.connect(vhost.url)
 */
export function rabbitmqContainer(options: RabbitMQOptions = {}): RabbitMQDefinition {
  return defineContainer('rabbitmq', options, 60_000, rabbitmqContainer, async (name, image, timeout) => {
    const container = new RabbitMQContainer(image)
    const { started, instance, hostPorts } = await startLabelled(
      name,
      container,
      image,
      timeout,
      [5672, 15672],
    )
    const host = started.getHost()
    return new RabbitMQService(
      {
        kind: 'rabbitmq',
        name,
        host,
        port: hostPorts.get(5672)!,
        url: `amqp://guest:guest@${host}:${hostPorts.get(5672)}/%2F`,
        containerId: started.getId(),
        image,
        username: 'guest',
        password: 'guest',
        vhost: '/',
        managementUrl: `http://${host}:${hostPorts.get(15672)}`,
      },
      true,
      instance,
    )
  })
}
