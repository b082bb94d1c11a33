import type { TimelineMark } from '@faultline/core'
import type { RecoverOptions } from './service.js'

/** What a container operation did to its service. */
export type ContainerFaultKind = 'paused' | 'stopped' | 'killed' | 'restarting'

/**
 * A container operation in effect: the service paused, stopped, killed or restarting. Returned by
 * `pause()`, `stop()`, `kill()` and `restart()`; `heal()` — or leaving an `await using` block — brings the
 * service back (unpauses or starts the container) and waits until it answers, so a test that fails in the
 * middle never leaves a paused or stopped container to the tests after it. Healing is idempotent, and a
 * fault already ended by `unpause()` / `start()` (on any handle) heals without doing anything.
 *
 * @example
 * {
 *   await using paused = await services.postgres().pause()
 *   await expect(checkout()).rejects.toThrow(/timeout/)
 * } // unpaused here, even if the expectation failed
 */
export class ContainerFault implements AsyncDisposable {
  /** The service's name, e.g. `pg`. */
  readonly service: string
  readonly kind: ContainerFaultKind
  /** `<service> <kind>`, e.g. `pg paused`: its name on a timeline (`report.during(name)`). */
  readonly name: string
  /** When the operation was asked for, epoch ms. */
  readonly startedAt: number
  readonly #bringBack: (options: RecoverOptions) => Promise<void>
  readonly #onHealed: (fault: ContainerFault) => void
  #mark: TimelineMark | undefined
  #healedAt: number | undefined
  #healing: Promise<void> | undefined

  /** @internal Made by a service's container operations. */
  constructor(
    service: string,
    kind: ContainerFaultKind,
    startedAt: number,
    mark: TimelineMark | undefined,
    bringBack: (options: RecoverOptions) => Promise<void>,
    onHealed: (fault: ContainerFault) => void,
  ) {
    this.service = service
    this.kind = kind
    this.name = `${service} ${kind}`
    this.startedAt = startedAt
    this.#mark = mark
    this.#bringBack = bringBack
    this.#onHealed = onHealed
  }

  /** True until healed. */
  get active(): boolean {
    return this.#healedAt === undefined
  }

  /** When it healed (epoch ms), once it has. */
  get healedAt(): number | undefined {
    return this.#healedAt
  }

  /**
   * Brings the service back — unpauses or starts its container, whatever state it is in — and by default
   * waits until it answers. Idempotent: concurrent calls share one attempt, later calls do nothing; a
   * failed attempt (the service did not answer in time) leaves the fault active, so it can be retried.
   */
  heal(options: RecoverOptions = {}): Promise<void> {
    if (!this.active) return Promise.resolve()
    this.#healing ??= this.#bringBack(options)
      .then(() => this.settle())
      .finally(() => {
        this.#healing = undefined
      })
    return this.#healing
  }

  /** Same as `heal()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.heal()
  }

  /** @internal Marks the fault healed now, without touching the container (it was brought back). */
  settle(at = Date.now()): void {
    if (!this.active) return
    this.#healedAt = at
    this.#mark?.heal(at)
    this.#mark = undefined
    this.#onHealed(this)
  }
}
