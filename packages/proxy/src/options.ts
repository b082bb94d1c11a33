import type { CutMode } from './connection.js'
import type { ProtocolName } from './protocols/types.js'
import type { Direction, FaultListener, TimelineSink } from './timeline.js'

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  /** The service to forward to, as `host:port` (IPv6 as `[::1]:5432`). */
  upstream: string
  /** Address to listen on. Loopback (`127.0.0.1`) unless you pass another one on purpose. */
  host?: string
  /** Port to listen on; `0` (the default) asks the OS for a free one. */
  port?: number
  /** Frame client messages of this protocol from the first byte, so triggers can act at a message. */
  protocol?: ProtocolName
  /** Seed of every random choice of the proxy's faults; random (and reported as `proxy.seed`) if absent. */
  seed?: number
  /** Called when a fault starts and when it heals, e.g. to put it on a report's timeline. */
  onFault?: FaultListener
  /** A shared timeline (e.g. `new Timeline()` of `@faultline/core`) to record every fault on as well. */
  timeline?: TimelineSink
}

/** Options every fault takes. */
export interface FaultOptions {
  /** Which bytes the fault acts on. The default is given per fault. */
  direction?: Direction
  /** Chance (0..1) that a connection is affected, drawn once per connection from the seed. Default 1. */
  probability?: number
  /** Seed of this fault's random choices; derived from the proxy's seed by default. */
  seed?: number
}

/** {@link FaultProxy.latency}: every chunk is delayed by `ms` ± `jitter` (uniform), order kept. */
export interface LatencyOptions extends FaultOptions {
  ms: number
  jitter?: number
}

/** {@link FaultProxy.bandwidth}: at most `bytesPerSecond` per connection and direction. */
export interface BandwidthOptions extends FaultOptions {
  bytesPerSecond: number
}

/** {@link FaultProxy.slowClose}: a FIN is passed on `ms` later. */
export interface SlowCloseOptions extends FaultOptions {
  ms: number
}

/** {@link FaultProxy.slicer}: data is split into pieces of `size` ± `sizeVariation` bytes, `delayMs` apart. */
export interface SlicerOptions extends FaultOptions {
  size: number
  sizeVariation?: number
  delayMs: number
}

/** {@link FaultProxy.cutAfter}: a connection ends after `bytes` more bytes in a direction. */
export interface CutAfterOptions extends FaultOptions {
  bytes: number
  /** `reset` (RST, the default) or `close` (FIN). */
  mode?: CutMode
}

/** {@link FaultProxy.refuse}: new connections are refused. */
export interface RefuseOptions {
  /** Below 1, the proxy keeps listening and resets the selected new connections instead. */
  probability?: number
  seed?: number
}

/** What a trigger does to the connection that sent the matching message. */
export type TriggerAction = 'reset' | 'close' | 'blackHole'

/** Options of {@link FaultProxy.trigger}. */
export interface TriggerOptions {
  /** `reset` (RST, the default), `close` (FIN), or `blackHole` (forward nothing more, never close). */
  action?: TriggerAction
  /**
   * `before` (default): the message never reaches the service. `after`: the service receives the whole
   * message (and, for reset/close, a clean end of stream so it still processes it); its answer never
   * reaches the client — the in-flight, indeterminate case.
   */
  at?: 'before' | 'after'
  /** Act at the n-th matching message (counted over all connections since the trigger was set). Default 1. */
  nth?: number
  /** How many matching messages to act on, from the n-th on. Default 1; `Infinity` for all. */
  times?: number
}
