import type { TimelineOptions } from '@faultline/core'
import type { CutMode } from './connection.js'
import type { ProtocolName } from './protocols/types.js'
import type { Direction, FaultListener } from './record.js'
import type { Upstream } from './upstream.js'

/** Options of {@link createProxy}. */
export interface ProxyOptions extends TimelineOptions {
  /**
   * The service to forward to: `'host:port'` (IPv6 as `'[::1]:5432'`), a URL (`'postgres://…'`,
   * `'redis://…'`, `'amqp://…'`, `'http://…'`), anything with a `url` (a `@faultline/containers` service,
   * a fixture such as `{ url }`), or `{ host, port }`.
   */
  upstream: Upstream
  /** Address to listen on. Loopback (`127.0.0.1`) unless you pass another one on purpose. */
  host?: string
  /** Port to listen on; `0` (the default) asks the OS for a free one. */
  port?: number
  /**
   * Frame client messages of this protocol from the first byte, so triggers can act at a message. By
   * default the upstream URL's scheme decides (`postgres` / `postgresql`, `redis` / `rediss`, `amqp` /
   * `amqps`); a `host:port` upstream is not framed.
   */
  protocol?: ProtocolName
  /** Seed of every random choice of the proxy's faults; random (and reported as `proxy.seed`) if absent. */
  seed?: number
  /** Called when a fault starts and when it heals. */
  onFault?: FaultListener
}

/** Options every fault takes. */
export interface ProxyFaultOptions {
  /** Which bytes the fault acts on. The default is given per fault. */
  direction?: Direction
  /** Chance (0..1) that a connection is affected, drawn once per connection from the seed. Default 1. */
  probability?: number
  /** Seed of this fault's random choices; derived from the proxy's seed by default. */
  seed?: number
}

/** {@link FaultProxy.latency}: every chunk is delayed by `ms` ± `jitter` (uniform), order kept. */
export interface LatencyOptions extends ProxyFaultOptions {
  ms: number
  jitter?: number
}

/** {@link FaultProxy.bandwidth}: at most `bytesPerSecond` per connection and direction. */
export interface BandwidthOptions extends ProxyFaultOptions {
  bytesPerSecond: number
}

/** {@link FaultProxy.slowClose}: a FIN is passed on `ms` later. */
export interface SlowCloseOptions extends ProxyFaultOptions {
  ms: number
}

/** {@link FaultProxy.slicer}: data is split into pieces of `size` ± `sizeVariation` bytes, `delay` ms apart. */
export interface SlicerOptions extends ProxyFaultOptions {
  size: number
  sizeVariation?: number
  /** Milliseconds between pieces. */
  delay: number
}

/** {@link FaultProxy.cutAfter}: a connection ends after `bytes` more bytes in a direction. */
export interface CutAfterOptions extends ProxyFaultOptions {
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
