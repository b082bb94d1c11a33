import type { Connection } from './connection.js'
import type { Effect, Pipe } from './pipe.js'
import type { ProtocolMessage } from './protocols/types.js'
import { mixSeed, mulberry32, type Random } from './random.js'
import { type Direction, type FaultRecord, now } from './timeline.js'

/** The faults a proxy applies. */
export type FaultName =
  | 'latency'
  | 'bandwidth'
  | 'blackHole'
  | 'reset'
  | 'refuse'
  | 'slowClose'
  | 'slicer'
  | 'cutAfter'
  | 'trigger'

/** What a fault does; the proxy calls it for each connection the fault selected, and once at heal. */
export interface Behaviour {
  /** Acts on a selected connection: one open when the fault was applied, or a new one while it is active. */
  attach?(connection: Connection): void
  /** Sees each framed client message of every connection (triggers). */
  message?(connection: Connection, message: ProtocolMessage): void
  /** Undoes what can be undone. */
  heal?(): void | Promise<void>
}

/**
 * An applied fault: active from the moment the proxy method returned until {@link Fault.heal} (or the end
 * of an `await using` block, or the proxy's close). Its {@link FaultRecord} is on the proxy's timeline.
 *
 * @example
 * await using slow = proxy.latency({ ms: 200, direction: 'downstream' })
 * // ... calls through the proxy are 200 ms slower here ...
 * await slow.heal() // or leave the block
 */
export class Fault implements AsyncDisposable {
  /** Connections this fault acted on so far. */
  affected = 0
  private healing: Promise<void> | undefined

  constructor(
    /** The record on the timeline; `healedAt` is set on heal. */
    readonly record: FaultRecord,
    private readonly probability: number,
    private readonly behaviour: Behaviour,
    private readonly onHeal: (fault: Fault) => void,
  ) {}

  /** The fault's kind. */
  get name(): FaultName {
    return this.record.name as FaultName
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
    return this.healing === undefined
  }

  /** Whether this fault acts on connection `id` (a seeded draw per connection when probability < 1). */
  selects(id: number): boolean {
    if (this.probability >= 1) return true
    if (this.probability <= 0) return false
    return mulberry32(mixSeed(this.record.seed, id))() < this.probability
  }

  /** @internal Called by the proxy for each open and each new connection. */
  attach(connection: Connection): void {
    if (!this.active || !this.selects(connection.id)) return
    this.affected++
    this.behaviour.attach?.(connection)
  }

  /** @internal Called by the proxy for each framed client message. */
  message(connection: Connection, message: ProtocolMessage): void {
    if (this.active) this.behaviour.message?.(connection, message)
  }

  /**
   * Ends the fault: records the heal time, restores normal forwarding where the fault allows it, and stops
   * acting on new connections. Idempotent.
   */
  heal(): Promise<void> {
    this.healing ??= this.finish(true)
    return this.healing
  }

  /** @internal The proxy closes: record the end, undo nothing that needs the listener. */
  end(): Promise<void> {
    this.healing ??= this.finish(false)
    return this.healing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.heal()
  }

  private async finish(undo: boolean): Promise<void> {
    this.record.healedAt = now()
    this.onHeal(this)
    if (undo) await this.behaviour.heal?.()
  }
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
        const effect = make(mulberry32(mixSeed(seed, connection.id, pipe.direction === 'upstream' ? 1 : 2)))
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
