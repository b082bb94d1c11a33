import { checkOneOf } from '@faultline/core'

/** Which bytes a fault acts on: client -> service (`upstream`), service -> client (`downstream`), or both. */
export type Direction = 'upstream' | 'downstream' | 'both'

/** The faults a proxy applies. */
export type ProxyFaultKind =
  | 'latency'
  | 'bandwidth'
  | 'blackHole'
  | 'reset'
  | 'refuse'
  | 'slowClose'
  | 'slicer'
  | 'cutAfter'
  | 'trigger'

/** One fault a proxy applied. Times are epoch milliseconds from core's `now()`, with sub-ms precision. */
export interface FaultRecord {
  /** How the fault reads on a timeline, e.g. `latency downstream`, `trigger postgres COMMIT`. */
  readonly name: string
  /** The fault's kind, e.g. `latency`, `trigger`. */
  readonly kind: ProxyFaultKind
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

/** The name a fault gets on a timeline, e.g. `latency downstream`, `trigger postgres COMMIT`. */
export function faultName(
  kind: ProxyFaultKind,
  direction: Direction,
  params: Readonly<Record<string, unknown>>,
): string {
  const message = params.message
  return typeof message === 'string' ? `${kind} ${message}` : `${kind} ${direction}`
}

const directions: readonly Direction[] = ['upstream', 'downstream', 'both']

/** `options.direction`: one of `upstream`, `downstream`, `both`, or `fallback` when absent. */
export function checkDirection(
  value: unknown,
  fallback: Direction,
  callee: (...args: never[]) => unknown,
): Direction {
  return checkOneOf(value, directions, 'options.direction', fallback, callee)
}
