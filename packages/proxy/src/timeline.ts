// The proxy keeps its own small fault record until `@faultline/core` ships a shared Timeline; the shape
// ({ name, direction, startedAt, healedAt }) is the one reports draw, so moving to core is a rename.

/** Which bytes a fault acts on: client -> service (`upstream`), service -> client (`downstream`), or both. */
export type Direction = 'upstream' | 'downstream' | 'both'

/** One fault on the timeline. Times are wall-clock milliseconds since the epoch, with sub-ms precision. */
export interface FaultRecord {
  /** The fault's kind, e.g. `latency`, `trigger`. */
  readonly name: string
  readonly direction: Direction
  /** When the fault was applied. */
  readonly startedAt: number
  /** When the fault was healed; `undefined` while it is active. */
  healedAt: number | undefined
  /** The options the fault was applied with, for reports. */
  readonly params: Readonly<Record<string, unknown>>
  /** The seed of the fault's random choices (connection selection, jitter); replay with the same seed. */
  readonly seed: number
  /** The proxy's upstream, `host:port`, to tell proxies apart on a shared timeline. */
  readonly target: string
}

/** Called when a fault starts (`healedAt` undefined) and again when it heals. */
export type FaultListener = (record: FaultRecord, event: 'start' | 'heal') => void

/** Wall-clock now in milliseconds with sub-millisecond precision. */
export function now(): number {
  return performance.timeOrigin + performance.now()
}

/**
 * Where else to draw faults: anything shaped like `@faultline/core`'s `Timeline` (`start(name, { target,
 * at })` returning a mark to `heal(at)`). Typed structurally so the proxy does not depend on its version.
 */
export interface TimelineSink {
  start(name: string, options: { target?: string; at?: number }): { heal(at?: number): void }
}

/** The name a fault gets on a shared timeline, e.g. `latency downstream`, `trigger postgres COMMIT`. */
export function timelineName(record: FaultRecord): string {
  const message = record.params.message
  return typeof message === 'string' ? `${record.name} ${message}` : `${record.name} ${record.direction}`
}
