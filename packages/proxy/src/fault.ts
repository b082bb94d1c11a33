import {
  type ActiveFault,
  createRandom,
  FaultWindow,
  mixSeed,
  type Random,
  type Timeline,
} from '@faultline/core'
import type { Connection } from './connection.js'
import type { Effect, Pipe } from './pipe.js'
import type { ProtocolMessage } from './protocols/types.js'
import { type Direction, type FaultRecord, faultName, type ProxyFaultKind } from './record.js'

/** What a fault does; the proxy calls it for each connection the fault selected, and once at heal. */
export interface Behaviour {
  /** Acts on a selected connection: one open when the fault was applied, or a new one while it is active. */
  attach?(connection: Connection): void
  /** Sees each framed client message of every connection (triggers). */
  message?(connection: Connection, message: ProtocolMessage): void
  /** Undoes what can be undone. */
  heal?(): void | Promise<void>
}

/** A fault's validated settings, before it is applied. */
export interface FaultPlan {
  readonly kind: ProxyFaultKind
  readonly direction: Direction
  /** What the fault was asked for, for the record (probability added when below 1). */
  readonly params: Readonly<Record<string, unknown>>
  /** The share of connections it acts on, from 0 to 1. */
  readonly probability: number
  /** The seed the caller chose, if any. */
  readonly seed: number | undefined
  /** Builds what the fault does, from its seed. */
  readonly behaviour: (seed: number) => Behaviour
}

/** Where an applied fault reports to: the proxy's bookkeeping. */
export interface FaultHost {
  readonly target: string
  readonly timeline: Timeline | undefined
  healed(fault: ProxyFault): void
}

/**
 * An applied proxy fault, an {@link ActiveFault}: active from the moment the proxy method returned until
 * {@link ProxyFault.heal} (or the end of an `await using` block, or the proxy's close). Its window is on
 * the proxy's `timeline` option, if given, and its {@link FaultRecord} in `proxy.records`.
 *
 * @example
 * await using slow = proxy.latency({ ms: 200, direction: 'downstream' })
 * // ... calls through the proxy are 200 ms slower here ...
 * await slow.heal() // or leave the block
 * slow.name // 'latency downstream'
 */
export class ProxyFault implements ActiveFault {
  /** Connections this fault acted on so far. */
  affected = 0
  /** What the fault was, when it started and healed, with which parameters and seed. */
  readonly record: FaultRecord
  readonly #probability: number
  readonly #behaviour: Behaviour
  readonly #host: FaultHost
  readonly #window: FaultWindow
  #healing: Promise<void> | undefined

  /** @internal Faults are applied through the proxy's methods. */
  constructor(plan: FaultPlan, seed: number, host: FaultHost) {
    const params = plan.probability < 1 ? { ...plan.params, probability: plan.probability } : plan.params
    const name = faultName(plan.kind, plan.direction, params)
    this.#window = new FaultWindow(name, {
      timeline: host.timeline,
      target: host.target,
      details: { kind: plan.kind, direction: plan.direction, params, seed },
    })
    this.record = {
      name,
      kind: plan.kind,
      direction: plan.direction,
      startedAt: this.#window.startedAt,
      healedAt: undefined,
      params,
      seed,
      target: host.target,
    }
    this.#probability = plan.probability
    this.#behaviour = plan.behaviour(seed)
    this.#host = host
  }

  /** How the fault reads on a timeline, e.g. `latency downstream`, `trigger postgres COMMIT`. */
  get name(): string {
    return this.record.name
  }

  /** The fault's kind: `latency`, `blackHole`, `trigger`... */
  get kind(): ProxyFaultKind {
    return this.record.kind
  }

  /** The proxy's upstream, `host:port`. */
  get target(): string {
    return this.record.target
  }

  /** When it was applied, epoch ms (core's `now()`). */
  get startedAt(): number {
    return this.record.startedAt
  }

  /** When it healed, epoch ms; undefined while active. */
  get healedAt(): number | undefined {
    return this.record.healedAt
  }

  /** The direction it acts on. */
  get direction(): Direction {
    return this.record.direction
  }

  /** The seed of its random choices; the same seed selects the same connections and draws the same jitter. */
  get seed(): number {
    return this.record.seed
  }

  /** True until healed. */
  get active(): boolean {
    return this.#healing === undefined
  }

  /** Whether this fault acts on connection `id` (a seeded draw per connection when probability < 1). */
  selects(id: number): boolean {
    if (this.#probability >= 1) return true
    if (this.#probability <= 0) return false
    return connectionRandom(this.seed, id).next() < this.#probability
  }

  /** @internal Called by the proxy for each open and each new connection. */
  attach(connection: Connection): void {
    if (!this.active || !this.selects(connection.id)) return
    this.affected++
    this.#behaviour.attach?.(connection)
  }

  /** @internal Called by the proxy for each framed client message. */
  message(connection: Connection, message: ProtocolMessage): void {
    if (this.active) this.#behaviour.message?.(connection, message)
  }

  /**
   * Ends the fault: records the heal time, restores normal forwarding where the fault allows it, and stops
   * acting on new connections. Idempotent; concurrent calls share one heal.
   */
  heal(): Promise<void> {
    this.#healing ??= this.#finish(true)
    return this.#healing
  }

  /** @internal The proxy closes: record the end, undo nothing that needs the listener. */
  end(): Promise<void> {
    this.#healing ??= this.#finish(false)
    return this.#healing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.heal()
  }

  async #finish(undo: boolean): Promise<void> {
    this.#window.close()
    this.record.healedAt = this.#window.healedAt
    this.#host.healed(this)
    if (undo) await this.#behaviour.heal?.()
  }
}

// Every draw is keyed by (fault seed, connection, stream), not taken from one shared stream, so the same
// seed draws the same numbers for a connection whatever order connections are served in.
function connectionRandom(seed: number, id: number, stream?: number): Random {
  return createRandom(stream === undefined ? mixSeed(seed, id) : mixSeed(seed, id, stream))
}

/** A behaviour that adds an effect to the pipes of `direction` and removes it on heal. */
export function effectBehaviour(
  direction: Direction,
  seed: number,
  make: (random: Random) => Effect,
): Behaviour {
  const applied: Array<[Pipe, Effect]> = []
  return {
    attach(connection) {
      for (const pipe of connection.pipes(direction)) {
        const effect = make(connectionRandom(seed, connection.id, pipe.direction === 'upstream' ? 1 : 2))
        pipe.addEffect(effect)
        applied.push([pipe, effect])
      }
    },
    heal() {
      for (const [pipe, effect] of applied) pipe.removeEffect(effect)
      applied.length = 0
    },
  }
}
