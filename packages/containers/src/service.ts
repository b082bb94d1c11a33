import { setTimeout as sleep } from 'node:timers/promises'
import { FaultlineArgumentError, type Timeline, type TimelineMark } from '@faultline/core'
import { docker } from './docker.js'
import { describe, NotAContainerError } from './errors.js'
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

/**
 * A running service: its address, and the real container operations to disturb it.
 * Created by `postgres().start()` and friends, or in a Vitest worker from the plugin's provided info.
 */
export abstract class Service<I extends ServiceInfo = ServiceInfo> {
  readonly info: I
  readonly #owned: boolean
  readonly #instance: string | undefined
  #timeline: Timeline | undefined
  #outage: TimelineMark | undefined

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
   */
  recordOn(timeline: Timeline): this {
    this.#timeline = timeline
    return this
  }

  #begin(what: string): void {
    this.#outage?.heal()
    this.#outage = this.#timeline?.start(`${this.name} ${what}`, {
      target: this.name,
      details: { operation: what },
    })
  }

  #end(): void {
    this.#outage?.heal()
    this.#outage = undefined
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

  /** Freezes every process of the container (SIGSTOP via the cgroup freezer): connections stay open and
   * nothing answers — a true black hole — until `unpause()`. */
  async pause(): Promise<void> {
    const container = await this.#container('pause')
    this.#begin('paused')
    await container.pause()
  }

  /** Thaws a paused container; requests that were waiting get their answers. */
  async unpause(): Promise<void> {
    await (await this.#container('unpause')).unpause()
    this.#end()
  }

  /** Stops the container (SIGTERM, then SIGKILL after `timeout` ms): connections are closed, the port refuses. */
  async stop(options: StopOptions = {}): Promise<void> {
    const container = await this.#container('stop')
    this.#begin('stopped')
    await container.stop({ t: graceSeconds(options) })
  }

  /** Kills the container with SIGKILL: no clean shutdown, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    const container = await this.#container('kill')
    this.#begin('killed')
    await container.kill({ signal: 'SIGKILL' })
  }

  /** Starts a stopped or killed container again, on the same port; by default waits until it answers. */
  async start(options: RecoverOptions = {}): Promise<void> {
    await (await this.#container('start')).start()
    if (options.wait ?? true) await this.waitUntilReady(options.readyTimeout)
    this.#end()
  }

  /** Restarts the container (stop, then start, on the same port); by default waits until it answers. */
  async restart(options: RecoverOptions & StopOptions = {}): Promise<void> {
    const container = await this.#container('restart')
    this.#begin('restarting')
    await container.restart({ t: graceSeconds(options) })
    if (options.wait ?? true) await this.waitUntilReady(options.readyTimeout)
    this.#end()
  }

  /** Removes the container if this process started it; a no-op for handles rebuilt in test workers. */
  async close(): Promise<void> {
    await this.closeClients()
    if (!this.#owned || !this.#instance) return
    await removeInstance(this.#instance)
  }

  /** Closes the admin connections this handle opened (for isolation). */
  protected async closeClients(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
