import { setTimeout as sleep } from 'node:timers/promises'
import { FaultlineArgumentError, type Timeline } from '@faultline/core'
import type Dockerode from 'dockerode'
import { docker } from './docker.js'
import { describe, NotAContainerError } from './errors.js'
import { ContainerFault, type ContainerFaultKind } from './fault.js'
import type { ServiceInfo } from './info.js'
import { removeInstance } from './reaper.js'

/** Options of the operations that bring a service back. */
export interface RecoverOptions {
  /** Wait until the service answers again (default true). */
  wait?: boolean
  /** How long to wait for it, in ms (default 60 000). */
  readyTimeout?: number
}

/** Options of the operations that stop a service. */
export interface StopOptions {
  /** Milliseconds the service gets to shut down cleanly before SIGKILL (default 10 000). */
  timeout?: number
}

// Docker's stop grace period is in whole seconds; Faultline's options are in ms like everything else.
function graceSeconds(options: StopOptions): number {
  const ms = options.timeout ?? 10_000
  if (!(ms >= 0))
    throw new FaultlineArgumentError('options.timeout', `must be a number of ms >= 0, got ${ms}`)
  return Math.ceil(ms / 1000)
}

const kindOperation: Record<ContainerFaultKind, string> = {
  paused: 'pause',
  stopped: 'stop',
  killed: 'kill',
  restarting: 'restart',
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
 * Created by `postgres().start()` and friends, or in a Vitest worker from the plugin's provided info.
 */
export abstract class Service<I extends ServiceInfo = ServiceInfo> {
  readonly info: I
  readonly #owned: boolean
  readonly #instance: string | undefined
  #timeline: Timeline | undefined
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

  /**
   * Records this service's outages on `timeline` from now on — `<name> paused` from pause() to unpause(),
   * `<name> stopped` / `<name> killed` until start() has it answering again, `<name> restarting` until
   * restart() has — so a load report can be judged during and after each one (`report.during(…)`).
   * Each is the window of one {@link ContainerFault}: healing the fault closes it.
   */
  recordOn(timeline: Timeline): this {
    this.#timeline = timeline
    return this
  }

  /** The faults started through this handle that have not healed yet, oldest first. */
  get faults(): readonly ContainerFault[] {
    return [...this.#faults]
  }

  // Runs a container operation and, once it succeeded, returns the fault it started (on the timeline from
  // the moment it was asked for).
  async #disturb(
    kind: ContainerFaultKind,
    operation: (container: Dockerode.Container) => Promise<unknown>,
  ): Promise<ContainerFault> {
    const container = await this.#container(kindOperation[kind])
    const at = Date.now()
    await operation(container)
    const mark = this.#timeline?.start(`${this.name} ${kind}`, {
      at,
      target: this.name,
      details: { operation: kind },
    })
    const fault = new ContainerFault(
      this.name,
      kind,
      at,
      mark,
      (options) => this.#bringBack(options),
      (healed) => this.#faults.delete(healed),
    )
    this.#faults.add(fault)
    return fault
  }

  // Marks the faults of these kinds healed: the operation that ends them (unpause, start) just succeeded.
  #settle(kinds: readonly ContainerFaultKind[]): void {
    for (const fault of this.#faults) if (kinds.includes(fault.kind)) fault.settle()
  }

  // Whatever state the container is in, gets it running and (by default) answering. A removed container
  // has nothing left to heal.
  async #bringBack(options: RecoverOptions): Promise<void> {
    const container = await this.#container('heal')
    let state: Dockerode.ContainerInspectInfo['State']
    try {
      state = (await container.inspect()).State
    } catch (error) {
      if (statusCode(error) === 404) return
      throw error
    }
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
    if (!(timeout > 0))
      throw new FaultlineArgumentError('timeout', `must be a positive number of ms, got ${timeout}`)
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
    throw new Error(
      `service '${this.name}' did not answer within ${timeout} ms (last error: ${describe(last)})`,
    )
  }

  async #container(operation: string) {
    if (!this.info.containerId) throw new NotAContainerError(this.name, operation)
    return (await docker()).getContainer(this.info.containerId)
  }

  /**
   * Freezes every process of the container (SIGSTOP via the cgroup freezer): connections stay open and
   * nothing answers — a true black hole — until `unpause()`, or until the returned fault heals.
   *
   * @example
   * {
   *   await using paused = await pg.pause()
   *   // … every query hangs here …
   * } // unpaused here, even if the block threw
   */
  pause(): Promise<ContainerFault> {
    return this.#disturb('paused', (container) => container.pause())
  }

  /** Thaws a paused container; requests that were waiting get their answers. Heals this handle's pause. */
  async unpause(): Promise<void> {
    await (await this.#container('unpause')).unpause()
    this.#settle(['paused'])
  }

  /**
   * Stops the container (SIGTERM, then SIGKILL after `timeout` ms): connections are closed, the port
   * refuses, until `start()` — or until the returned fault heals (starts it and waits until it answers).
   */
  stop(options: StopOptions = {}): Promise<ContainerFault> {
    const t = graceSeconds(options)
    return this.#disturb('stopped', (container) => container.stop({ t }))
  }

  /**
   * Kills the container with SIGKILL: no clean shutdown, as in a crash or an OOM kill. `start()` or healing
   * the returned fault brings it back.
   */
  kill(): Promise<ContainerFault> {
    return this.#disturb('killed', (container) => container.kill({ signal: 'SIGKILL' }))
  }

  /**
   * Starts a stopped or killed container again, on the same port; by default waits until it answers. Heals
   * this handle's stop, kill and restart faults.
   */
  async start(options: RecoverOptions = {}): Promise<void> {
    await (await this.#container('start')).start()
    if (options.wait ?? true) await this.waitUntilReady(options.readyTimeout)
    this.#settle(['stopped', 'killed', 'restarting'])
  }

  /**
   * Restarts the container (stop, then start, on the same port); by default waits until it answers and
   * returns the fault already healed. With `{ wait: false }` it returns at once, the fault active until
   * `heal()` (or dispose) sees the service answer.
   */
  async restart(options: RecoverOptions & StopOptions = {}): Promise<ContainerFault> {
    const t = graceSeconds(options)
    const fault = await this.#disturb('restarting', (container) => container.restart({ t }))
    if (options.wait ?? true) await fault.heal(options)
    return fault
  }

  /**
   * Heals every fault started through this handle that is still active (see {@link ContainerFault.heal}).
   * The Vitest fixtures call it on the shared services after each test.
   */
  async heal(options: RecoverOptions = {}): Promise<void> {
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
