import { AppliedFault, type Timeline } from '@faultline/core'

/** What a container operation did to its service. */
export type ContainerFaultKind = 'paused' | 'stopped' | 'killed' | 'restarting' | 'disconnected'

/** Options of the operations that bring a service back: `heal()`, `start()`, `restart()`. */
export interface HealOptions {
  /** Wait until the service answers again (default true). */
  wait?: boolean
  /** How long to wait for it, in ms (default 60 000). */
  readyTimeout?: number
}

/**
 * A container operation in effect: the service paused, stopped, killed, restarting or disconnected from
 * its network. Returned by `pause()`, `stop()`, `kill()`, `restart()` and `disconnect()`; `heal()` — or
 * leaving an `await using` block — brings the service back (unpauses, starts or reconnects the
 * container) and waits until it answers, so a test that fails in the middle never leaves a broken
 * container to the tests after it. Healing is idempotent, and a fault already ended by `unpause()` /
 * `start()` (on any handle) heals without doing anything. Implements core's `ActiveFault`.
 *
 * @example
 * import { redisContainer } from '@faultline/containers'
 *
 * await using cache = await redisContainer().start('orders-cache')
 * {
 *   await using paused = await cache.pause()
 *   // … every command hangs here …
 * } // unpaused here, even if the block threw
 */
export class ContainerFault extends AppliedFault {
  /** What the operation did, e.g. `paused`. */
  readonly kind: ContainerFaultKind
  readonly #bringBack: (options: HealOptions) => Promise<void>
  readonly #forget: (fault: ContainerFault) => void

  /** @internal Made by a service's container operations, once the operation succeeded. */
  constructor(fault: {
    service: string
    kind: ContainerFaultKind
    /** When the operation was asked for (core's `now()`). */
    at: number
    timeline: Timeline | undefined
    bringBack: (options: HealOptions) => Promise<void>
    onHealed: (fault: ContainerFault) => void
  }) {
    super(`${fault.service} ${fault.kind}`, {
      timeline: fault.timeline,
      target: fault.service,
      details: { operation: fault.kind },
      at: fault.at,
    })
    this.kind = fault.kind
    this.#bringBack = fault.bringBack
    this.#forget = fault.onHealed
  }

  /** The service's name, e.g. `pg`. */
  override get target(): string {
    return super.target ?? ''
  }

  /**
   * Brings the service back — reconnects, unpauses or starts its container, whatever state it is in —
   * and by default waits until it answers. Idempotent: concurrent calls share one attempt, later calls do
   * nothing; a failed attempt (the service did not answer in time) leaves the fault active, so it can be
   * retried.
   */
  override heal(options: HealOptions = {}): Promise<void> {
    return this.healWith(() => this.#bringBack(options))
  }

  /** @internal Marks the fault healed, without touching the container (it was brought back). */
  settle(at?: number): void {
    this.markHealed(at)
  }

  protected undo(): Promise<void> {
    return this.#bringBack({})
  }

  protected override onHealed(): void {
    this.#forget(this)
  }
}
