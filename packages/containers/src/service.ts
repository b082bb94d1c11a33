import { setTimeout as sleep } from 'node:timers/promises'
import { checkNumber, FaultlineError, now, type TimelineOptions } from '@faultline/core'
import type Dockerode from 'dockerode'
import { docker } from './docker.js'
import { describeError, NotAContainerError } from './errors.js'
import { ContainerFault, type ContainerFaultKind, type HealOptions } from './fault.js'
import type { ServiceInfo } from './info.js'
import { removeInstance } from './reaper.js'

/** Options of the operations that stop a service: `stop()`, `restart()`. */
export interface StopOptions extends TimelineOptions {
  /** Milliseconds the service gets to shut down cleanly before SIGKILL (default 10 000). */
  timeout?: number
}

/** Options of `restart()`: how long the service gets to stop, and whether to wait until it answers. */
export interface RestartOptions extends StopOptions, HealOptions {}

// Docker's stop grace period is in whole seconds; Faultline's options are in ms like everything else.
function graceSeconds(options: StopOptions, callee: (...args: never[]) => unknown): number {
  const ms = checkNumber(options.timeout ?? 10_000, 'options.timeout', { unit: 'ms', min: 0 }, callee)
  return Math.ceil(ms / 1000)
}

const kindOperation: Record<ContainerFaultKind, string> = {
  paused: 'pause',
  stopped: 'stop',
  killed: 'kill',
  restarting: 'restart',
  disconnected: 'disconnect',
}

/** A Docker network the container was attached to, and how: what reconnecting it needs. */
interface Attachment {
  readonly network: string
  readonly aliases: string[] | undefined
  readonly ipam: Dockerode.EndpointSettings['IPAMConfig']
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof code === 'number' ? code : undefined
}

/** A catch handler that ignores the Docker error with this HTTP status and rethrows every other. */
function unless(status: number) {
  return (error: unknown): void => {
    if (statusCode(error) !== status) throw error
  }
}

/**
 * A running service: its address, and the real container operations to disturb it.
 * Created by `postgresContainer().start()` and friends, or in a Vitest worker from the plugin's provided
 * info.
 */
export abstract class Service<I extends ServiceInfo = ServiceInfo> {
  readonly info: I
  readonly #owned: boolean
  readonly #instance: string | undefined
  readonly #faults = new Set<ContainerFault>()

  /** @internal `owned`: this process started the container and removes it on dispose. */
  constructor(info: I, owned = false, instance?: string) {
    this.info = info
    this.#owned = owned
    this.#instance = instance
  }

  /** The declared name, e.g. `pg`. */
  get name(): string {
    return this.info.name
  }
  /** The connection URL of the service's default database / key space / vhost. */
  get url(): string {
    return this.info.url
  }
  get host(): string {
    return this.info.host
  }
  get port(): number {
    return this.info.port
  }

  /** The faults started through this handle that have not healed yet, oldest first. */
  get faults(): readonly ContainerFault[] {
    return [...this.#faults]
  }

  // Runs a container operation and, once it succeeded, returns the fault it started: on `timeline` (when
  // given) from the moment it was asked for, as `<name> <kind>`, until it heals.
  async #disturb(
    kind: ContainerFaultKind,
    options: TimelineOptions,
    operation: (container: Dockerode.Container) => Promise<unknown>,
    bringBack: (options: HealOptions) => Promise<void> = (heal) => this.#bringBack(heal),
  ): Promise<ContainerFault> {
    const container = await this.#container(kindOperation[kind])
    const at = now()
    await operation(container)
    const fault = new ContainerFault({
      service: this.name,
      kind,
      at,
      timeline: options.timeline,
      bringBack,
      onHealed: (healed) => this.#faults.delete(healed),
    })
    this.#faults.add(fault)
    return fault
  }

  // Marks the faults of these kinds healed: the operation that ends them (unpause, start) just succeeded.
  #settle(kinds: readonly ContainerFaultKind[]): void {
    for (const fault of this.#faults) if (kinds.includes(fault.kind)) fault.settle()
  }

  // Whatever state the container is in, gets it back on the networks it was disconnected from, running
  // and (by default) answering. A removed container has nothing left to heal.
  async #bringBack(options: HealOptions, networks: readonly Attachment[] = []): Promise<void> {
    const container = await this.#container('heal')
    let inspected: Dockerode.ContainerInspectInfo
    try {
      inspected = await container.inspect()
    } catch (error) {
      if (statusCode(error) === 404) return
      throw error
    }
    const attached = inspected.NetworkSettings.Networks ?? {}
    for (const { network, aliases, ipam } of networks) {
      if (attached[network]) continue // another handle got there first
      await (await docker()).getNetwork(network).connect({
        Container: container.id,
        EndpointConfig: { Aliases: aliases, IPAMConfig: ipam },
      })
    }
    const { State: state } = inspected
    // 409 "not paused" / 304 "already started": another handle got there first.
    if (state.Paused) await container.unpause().catch(unless(409))
    else if (!state.Running) await container.start().catch(unless(304))
    if (options.wait ?? true) await this.waitUntilReady(options.readyTimeout)
  }

  /** Resolves once the service answers a real request (a query, a PING, an AMQP handshake). */
  protected abstract probe(): Promise<void>

  /**
   * Polls the service with real requests until it answers or `timeout` ms pass.
   * @returns the time it took, in ms.
   */
  async waitUntilReady(timeout = 60_000, signal?: AbortSignal): Promise<number> {
    checkNumber(timeout, 'timeout', { unit: 'ms', above: 0 }, this.waitUntilReady)
    const started = performance.now()
    let last: unknown
    while (performance.now() - started < timeout) {
      signal?.throwIfAborted()
      try {
        await this.probe()
        return performance.now() - started
      } catch (error) {
        last = error
      }
      await sleep(50, undefined, { signal })
    }
    throw new FaultlineError(
      'SERVICE_NOT_READY',
      `service '${this.name}' did not answer within ${timeout} ms (last error: ${describeError(last)}). ` +
        'Fix: check that its container is running and connected (docker ps, docker logs), or wait longer (readyTimeout).',
    )
  }

  async #container(operation: string) {
    if (!this.info.containerId) throw new NotAContainerError(this.name, operation)
    return (await docker()).getContainer(this.info.containerId)
  }

  /**
   * Freezes every process of the container (SIGSTOP via the cgroup freezer): connections stay open and
   * nothing answers — a true black hole — until the returned fault heals. With `{ timeline }` the pause
   * is a window `<name> paused` on it.
   *
   * @example
   * import { postgresContainer } from '@faultline/containers'
   *
   * await using pg = await postgresContainer().start('orders-db')
   * {
   *   await using paused = await pg.pause()
   *   // … every query hangs here …
   * } // unpaused here, even if the block threw
   */
  pause(options: TimelineOptions = {}): Promise<ContainerFault> {
    return this.#disturb('paused', options, (container) => container.pause())
  }

  /**
   * Thaws a paused container; requests that were waiting get their answers. Heals this handle's pause.
   * The documented way back is the fault's `heal()`; this is the plain container operation.
   */
  async unpause(): Promise<void> {
    await (await this.#container('unpause')).unpause()
    this.#settle(['paused'])
  }

  /**
   * Stops the container (SIGTERM, then SIGKILL after `timeout` ms): connections are closed, the port
   * refuses, until the returned fault heals (starts it and waits until it answers).
   *
   * @example
   * import { redisContainer } from '@faultline/containers'
   *
   * await using cache = await redisContainer().start('orders-cache')
   * {
   *   await using stopped = await cache.stop({ timeout: 1_000 })
   *   // … connections are refused here …
   * } // started again and answering here
   */
  stop(options: StopOptions = {}): Promise<ContainerFault> {
    const t = graceSeconds(options, this.stop)
    return this.#disturb('stopped', options, (container) => container.stop({ t }))
  }

  /**
   * Kills the container with SIGKILL: no clean shutdown, as in a crash or an OOM kill. Healing the
   * returned fault starts it again.
   *
   * @example
   * import { redisContainer } from '@faultline/containers'
   *
   * await using cache = await redisContainer().start('orders-cache')
   * const killed = await cache.kill()
   * await killed.heal() // started again and answering
   */
  kill(options: TimelineOptions = {}): Promise<ContainerFault> {
    return this.#disturb('killed', options, (container) => container.kill({ signal: 'SIGKILL' }))
  }

  /**
   * Detaches the container from every Docker network it is on (a network partition): through the
   * published port, open connections are closed and new ones refused on Docker's default userland
   * proxy; containers on the same network see it vanish. The server keeps running, with its state.
   * Healing the returned fault reconnects it to the same networks, with the same aliases, and waits until
   * it answers. See docs/services.md for what clients see.
   *
   * @example
   * import { postgresContainer } from '@faultline/containers'
   *
   * await using pg = await postgresContainer().start('orders-db')
   * {
   *   await using partitioned = await pg.disconnect()
   *   // … queries fail here …
   * } // reconnected and answering here
   */
  disconnect(options: TimelineOptions = {}): Promise<ContainerFault> {
    const networks: Attachment[] = []
    return this.#disturb(
      'disconnected',
      options,
      async (container) => {
        const inspected = await container.inspect()
        const shortId = inspected.Id.slice(0, 12)
        for (const [network, endpoint] of Object.entries(inspected.NetworkSettings.Networks ?? {})) {
          // Docker adds the short id as an alias on user-defined networks itself.
          const aliases = (endpoint.Aliases as string[] | null | undefined)?.filter(
            (alias) => alias !== shortId,
          )
          networks.push({
            network,
            aliases: aliases?.length ? aliases : undefined,
            ipam: endpoint.IPAMConfig,
          })
        }
        if (networks.length === 0) {
          throw new FaultlineError(
            'SERVICE_NOT_CONNECTED',
            `service '${this.name}' is on no Docker network, so disconnect() has nothing to detach. ` +
              'Fix: heal the earlier disconnect first (`await fault.heal()`).',
          )
        }
        const dockerode = await docker()
        const done: Attachment[] = []
        try {
          for (const attachment of networks) {
            await dockerode.getNetwork(attachment.network).disconnect({ Container: inspected.Id })
            done.push(attachment)
          }
        } catch (error) {
          await this.#bringBack({ wait: false }, done).catch(() => {})
          throw error
        }
      },
      (heal) => this.#bringBack(heal, networks),
    )
  }

  /**
   * Starts a stopped or killed container again, on the same port; by default waits until it answers. Heals
   * this handle's stop, kill and restart faults. The documented way back is the fault's `heal()`; this is
   * the plain container operation.
   */
  async start(options: HealOptions = {}): Promise<void> {
    await (await this.#container('start')).start()
    if (options.wait ?? true) await this.waitUntilReady(options.readyTimeout)
    this.#settle(['stopped', 'killed', 'restarting'])
  }

  /**
   * Restarts the container (stop, then start, on the same port); by default waits until it answers and
   * returns the fault already healed. With `{ wait: false }` it returns at once, the fault active until
   * `heal()` (or dispose) sees the service answer.
   *
   * @example
   * import { redisContainer } from '@faultline/containers'
   * import { Timeline } from '@faultline/core'
   *
   * const timeline = new Timeline()
   * await using cache = await redisContainer().start('orders-cache')
   * await cache.restart({ timeline, timeout: 1_000 }) // `orders-cache restarting` until it answers
   */
  async restart(options: RestartOptions = {}): Promise<ContainerFault> {
    const t = graceSeconds(options, this.restart)
    const fault = await this.#disturb('restarting', options, (container) => container.restart({ t }))
    if (options.wait ?? true) await fault.heal(options)
    return fault
  }

  /**
   * Heals every fault started through this handle that is still active (see {@link ContainerFault.heal}).
   * The Vitest fixtures call it on the shared services after each test.
   */
  async heal(options: HealOptions = {}): Promise<void> {
    const errors: unknown[] = []
    for (const fault of [...this.#faults].reverse()) await fault.heal(options).catch((e) => errors.push(e))
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, `service '${this.name}' could not be healed`)
  }

  /** Removes the container if this process started it; a no-op for handles rebuilt in test workers. */
  async close(): Promise<void> {
    await this.closeClients()
    // Its faults end with it when it is removed; a handle that does not own the container keeps them.
    if (this.#owned) for (const fault of this.#faults) fault.settle()
    if (!this.#owned || !this.#instance) return
    await removeInstance(this.#instance)
  }

  /** Closes the admin connections this handle opened (for isolation). */
  protected async closeClients(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
