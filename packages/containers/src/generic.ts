import {
  type Callee,
  checkFunction,
  checkNumber,
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
} from '@faultline/core'
import { GenericContainer, Wait, type WaitStrategy } from 'testcontainers'
import { ServiceStartError } from './errors.js'
import type { GenericInfo, ReadyProbe, ServiceInfo } from './info.js'
import { lastLogLines, removeInstance } from './reaper.js'
import { Service } from './service.js'
import { startLabelled } from './start.js'
import { probeTcp } from './tcp-probe.js'

/** Where a started container is reached, for `url`: its host, main port, and every published port. */
export interface GenericAddress {
  host: string
  /** The main port (the first of `ports`) as published on `host`. */
  port: number
  /** The published port of one of the container's ports. */
  mappedPort(containerPort: number): number
}

/** What an isolation hook returns; `release` (optional) undoes it after the test. */
export type Isolation<I extends object> = I & { release?: () => Promise<void> }

/** One test's share of a generic service: what the hook returned, released on dispose. */
export type Isolated<I extends object> = I & AsyncDisposable & { release(): Promise<void> }

/** Options of `container(image, options)`. */
export interface GenericOptions<I extends object = object> {
  /** The container's ports to publish; the first is the service's main port (`url`, `port`, readiness). */
  ports: readonly number[]
  /** Environment variables of the container. */
  env?: Readonly<Record<string, string>>
  /** The command (the image's CMD, after its entry point). */
  command?: readonly string[]
  /**
   * What testcontainers waits for at start (`Wait.forLogMessage(…)`, `Wait.forHealthCheck()`, …). Default:
   * every port listens inside the container and on the host (`Wait.forListeningPorts()`).
   */
  wait?: WaitStrategy
  /**
   * How the handle knows the service answers: at start (after `wait`), and after every heal, `start()` and
   * `restart()`. Default: the main port accepts a connection that the service answers or keeps open.
   */
  ready?: ReadyProbe
  /** The service's URL, e.g. `({ host, port }) => \`mysql://root:pw@${host}:${port}/\``. Default `tcp://host:port`. */
  url?: (address: GenericAddress) => string
  /** A fresh share of the service for one test (a database, a key prefix); `isolate()` calls it. */
  isolate?: (service: GenericService) => Promise<Isolation<I>>
  /** Anything else testcontainers can set (`withTmpFs`, `withCopyFilesToContainer`, `withUser`, …). */
  configure?: (container: GenericContainer) => unknown
  /** How long the container may take to become ready, in ms (default 60 000). */
  startupTimeout?: number
}

/** What `container()` returns: a service not yet started, usable in the plugin's `services`. */
export interface GenericDefinition<I extends object = object> {
  readonly kind: 'container'
  readonly image: string
  readonly options: GenericOptions<I>
  /** Starts the container (named `name`, default the image's name) and returns a handle; `await using` removes it. */
  start(name?: string): Promise<GenericService<I>>
  /**
   * This definition's handle for a service the plugin started, with its isolation hook: in a test,
   * `definition.from(services.get('db'))`. Faults started through it are healed after the test like any.
   */
  from(service: { readonly info: ServiceInfo } | ServiceInfo): GenericService<I>
}

/**
 * A running container started by `container()`: its URL and ports, the chaos operations of every service
 * (pause, stop, kill, restart, disconnect, as faults with `{ timeline }`), and the isolation hook its
 * definition gave.
 *
 * @example
 * import { container } from '@faultline/containers'
 *
 * const kv = container('memcached:1.6', {
 *   ports: [11211],
 *   isolate: async () => ({ prefix: `t_${Date.now()}:` }),
 * })
 * await using cache = await kv.start('sessions')
 * await using keys = await cache.isolate() // { prefix }, released at the end of the scope
 * {
 *   await using paused = await cache.pause() // every request hangs here
 * } // unpaused, and answering
 */
export class GenericService<I extends object = object> extends Service<GenericInfo> {
  #isolate: ((service: GenericService) => Promise<Isolation<I>>) | undefined

  /** @internal */
  constructor(
    info: GenericInfo,
    owned = false,
    instance?: string,
    isolate?: (service: GenericService) => Promise<Isolation<I>>,
  ) {
    super(info, owned, instance)
    this.#isolate = isolate
  }

  /** The port on `host` that a port of the container is published on. */
  mappedPort(containerPort: number): number {
    const port = this.info.ports[String(containerPort)]
    if (port === undefined) {
      throw new FaultlineArgumentError(
        'containerPort',
        `expected one of the ports service '${this.name}' publishes (${Object.keys(this.info.ports).join(', ')}), got ${describeValue(containerPort)}; add it to container(image, { ports })`,
        this.mappedPort,
      )
    }
    return port
  }

  /** `{ host, port }` of a container port (default the main one): an upstream for `createProxy()`. */
  endpoint(containerPort = this.info.mainPort): { host: string; port: number } {
    return { host: this.host, port: this.mappedPort(containerPort) }
  }

  /**
   * A share of the service for one test, made by the definition's `isolate` hook; `await using` releases it
   * (once, whatever happens in the test).
   */
  async isolate(): Promise<Isolated<I>> {
    const hook = this.#isolate
    if (!hook) {
      throw new FaultlineError(
        'NO_ISOLATION',
        `service '${this.name}' has no isolation hook. Fix: give one, container(image, { isolate: async (service) => ({ url, release }) }), ` +
          "and in a Vitest test take the handle through its definition: definition.from(services.get('" +
          `${this.name}'))`,
      )
    }
    const isolation = await hook(this)
    if (typeof isolation !== 'object' || isolation === null) {
      throw new FaultlineError(
        'BAD_ISOLATION',
        `the isolate hook of service '${this.name}' returned ${describeValue(isolation)}; it must return an object, such as { url, release }`,
      )
    }
    const undo = isolation.release
    let released: Promise<void> | undefined
    const release = () => {
      released ??= undo ? undo.call(isolation) : Promise.resolve()
      return released
    }
    return Object.assign(isolation, { release, [Symbol.asyncDispose]: release })
  }

  /** @internal Gives the handle its definition's isolation hook. */
  useIsolation(isolate: ((service: GenericService) => Promise<Isolation<I>>) | undefined): void {
    this.#isolate = isolate
  }

  protected override probe(): Promise<void> {
    return probeTcp(this.host, this.port, this.info.ready, 2_000)
  }
}

/** `redis` for `redis:7`, `mariadb` for `faultline-local/mariadb:bookworm`. */
function nameOf(image: string): string {
  const path = image.split('@')[0]!.replace(/:[^/:]*$/, '')
  return path.slice(path.lastIndexOf('/') + 1) || 'container'
}

function checkOptions(image: unknown, options: unknown, callee: Callee): void {
  if (typeof image !== 'string' || image.trim() === '') {
    throw new FaultlineArgumentError(
      'image',
      `expected an image name such as 'mariadb:11', got ${describeValue(image)}`,
      callee,
    )
  }
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected options with the ports to publish, such as { ports: [3306] }, got ${describeValue(options)}`,
      callee,
    )
  }
  const o = options as Partial<Record<keyof GenericOptions, unknown>>
  if (!Array.isArray(o.ports) || o.ports.length === 0) {
    throw new FaultlineArgumentError(
      'options.ports',
      `expected the container's ports, main one first, such as [3306], got ${describeValue(o.ports)}`,
      callee,
    )
  }
  o.ports.forEach((port, i) => {
    checkNumber(port, `options.ports[${i}]`, { integer: true, min: 1, max: 65_535 }, callee)
  })
  if (new Set(o.ports).size !== o.ports.length) {
    throw new FaultlineArgumentError(
      'options.ports',
      `expected distinct ports, got [${o.ports.join(', ')}]`,
      callee,
    )
  }
  if (o.env !== undefined) {
    const bad =
      typeof o.env !== 'object' || o.env === null
        ? ['options.env', o.env]
        : Object.entries(o.env).find(([, value]) => typeof value !== 'string')
    if (bad) {
      const [key, value] = bad as [string, unknown]
      const argument = key === 'options.env' ? key : `options.env.${key}`
      throw new FaultlineArgumentError(
        argument,
        `expected ${argument === 'options.env' ? 'an object of strings' : 'a string'}, got ${describeValue(value)}`,
        callee,
      )
    }
  }
  if (
    o.command !== undefined &&
    (!Array.isArray(o.command) || o.command.some((a) => typeof a !== 'string'))
  ) {
    throw new FaultlineArgumentError(
      'options.command',
      `expected an array of strings, got ${describeValue(o.command)}`,
      callee,
    )
  }
  if (o.wait !== undefined && typeof (o.wait as Partial<WaitStrategy>)?.waitUntilReady !== 'function') {
    throw new FaultlineArgumentError(
      'options.wait',
      `expected a testcontainers wait strategy such as Wait.forLogMessage('ready'), got ${describeValue(o.wait)}`,
      callee,
    )
  }
  if (o.ready !== undefined) {
    const ready = o.ready as Partial<Record<keyof ReadyProbe, unknown>> | null
    const bad =
      typeof ready !== 'object' || ready === null
        ? 'options.ready'
        : (['send', 'expect'] as const).find((k) => ready[k] !== undefined && typeof ready[k] !== 'string')
    if (bad) {
      const argument = bad === 'options.ready' ? bad : `options.ready.${bad}`
      throw new FaultlineArgumentError(
        argument,
        `expected ${bad === 'options.ready' ? "{ send?, expect? } such as { send: 'version\\r\\n', expect: 'VERSION' }" : 'a string'}, got ${describeValue(bad === 'options.ready' ? ready : ready?.[bad as keyof ReadyProbe])}`,
        callee,
      )
    }
  }
  checkFunction(o.url, 'options.url', { optional: true }, callee)
  checkFunction(o.isolate, 'options.isolate', { optional: true }, callee)
  checkFunction(o.configure, 'options.configure', { optional: true }, callee)
  if (o.startupTimeout !== undefined)
    checkNumber(o.startupTimeout, 'options.startupTimeout', { unit: 'ms', above: 0 }, callee)
}

/**
 * Any image as a service (testcontainers' `GenericContainer`), with the same handle as the built-in ones:
 * its URL, the chaos operations as faults, a fault proxy in front of it (`createProxy({ upstream: service })`),
 * Faultline's labels and reaping, and a per-test isolation hook. Usable in the plugin's `services`.
 *
 * @example
 * import { container } from '@faultline/containers'
 *
 * const memcached = container(process.env.FAULTLINE_MEMCACHED_IMAGE ?? 'memcached:1.6', {
 *   ports: [11211],
 *   ready: { send: 'version\r\n', expect: 'VERSION' },
 *   url: ({ host, port }) => `memcached://${host}:${port}`,
 * })
 * await using cache = await memcached.start('sessions')
 * {
 *   await using stopped = await cache.stop()
 *   // … connections are refused here …
 * } // started again, answering, on the same URL
 */
export function container<I extends object = object>(
  image: string,
  options: GenericOptions<I>,
): GenericDefinition<I> {
  checkOptions(image, options, container)
  const timeout = options.startupTimeout ?? 60_000
  const ports = [...options.ports]
  const mainPort = ports[0]!
  const ready: ReadyProbe = { ...options.ready }
  return {
    kind: 'container',
    image,
    options,
    async start(name = nameOf(image)) {
      const generic = new GenericContainer(image).withWaitStrategy(options.wait ?? Wait.forListeningPorts())
      if (options.env) generic.withEnvironment({ ...options.env })
      if (options.command) generic.withCommand([...options.command])
      options.configure?.(generic)
      const { started, instance, hostPorts } = await startLabelled(name, generic, image, timeout, ports)
      try {
        const host = started.getHost()
        const published: Record<string, number> = {}
        for (const [from, to] of hostPorts) published[String(from)] = to
        const port = hostPorts.get(mainPort)!
        const mappedPort = (containerPort: number) => {
          const found = published[String(containerPort)]
          if (found === undefined) {
            throw new FaultlineArgumentError(
              'containerPort',
              `expected one of the published ports (${ports.join(', ')}), got ${describeValue(containerPort)}`,
            )
          }
          return found
        }
        const info: GenericInfo = {
          kind: 'container',
          name,
          host,
          port,
          url: options.url ? options.url({ host, port, mappedPort }) : `tcp://${host}:${port}`,
          containerId: started.getId(),
          image,
          ports: published,
          mainPort,
          ready,
        }
        const service = new GenericService<I>(info, true, instance, options.isolate)
        await service.waitUntilReady(timeout)
        return service
      } catch (error) {
        const logs = await lastLogLines(instance)
        await removeInstance(instance).catch(() => {})
        throw new ServiceStartError(name, image, timeout, error, logs)
      }
    },
    from(given) {
      const info = 'info' in given ? given.info : given
      if (info?.kind !== 'container') {
        throw new FaultlineArgumentError(
          'service',
          `expected a service started from container(), got ${info ? `a ${info.kind} service '${info.name}'` : describeValue(given)}`,
        )
      }
      const handle =
        given instanceof GenericService ? (given as GenericService<I>) : new GenericService<I>(info)
      handle.useIsolation(options.isolate)
      return handle
    },
  }
}
