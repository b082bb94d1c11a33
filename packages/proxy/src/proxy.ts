import {
  checkFunction,
  checkNumber,
  checkOneOf,
  checkSeed,
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
  mixSeed,
  randomSeed,
  type Timeline,
} from '@faultline/core'
import { type Endpoint, formatEndpoint } from './address.js'
import type { Connection } from './connection.js'
import { type FaultHost, type FaultPlan, ProxyFault } from './fault.js'
import { Framing } from './framing.js'
import { Listener, type ProxyStats } from './listener.js'
import type {
  BandwidthOptions,
  CutAfterOptions,
  LatencyOptions,
  ProxyFaultOptions,
  ProxyOptions,
  RefuseOptions,
  SlicerOptions,
  SlowCloseOptions,
  TriggerOptions,
} from './options.js'
import {
  bandwidthPlan,
  blackHolePlan,
  common,
  cutAfterPlan,
  latencyPlan,
  resetPlan,
  slicerPlan,
  slowClosePlan,
} from './plans.js'
import type { MessageMatcher } from './protocols/matchers.js'
import { type ProtocolName, protocolNames } from './protocols/types.js'
import type { FaultListener, FaultRecord } from './record.js'
import { Trigger, type TriggerHit, triggerPlan } from './trigger.js'
import { proxiedUrl, resolveUpstream } from './upstream.js'

const LOOPBACK = '127.0.0.1'

/**
 * Starts a TCP fault proxy in this process, listening on loopback, forwarding byte-exactly to `upstream`.
 * Hand `proxy.url(serviceUrl)` (or `proxy.endpoint`, `host` / `port`) to the code under test, then apply
 * faults.
 *
 * @example
 * // `db` is a service or a fixture with a `url`: the protocol (here postgres) follows its scheme
 * await using proxy = await createProxy({ upstream: db })
 * const pool = new pg.Pool({ connectionString: proxy.url(db.url) })
 * await using slow = proxy.latency({ ms: 100, jitter: 10 })
 */
export async function createProxy(options: ProxyOptions): Promise<FaultProxy> {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected { upstream: 'host:port' or a service URL }, got ${describeValue(options)}`,
      createProxy,
    )
  }
  const upstream = resolveUpstream(options.upstream, 'options.upstream', createProxy)
  const host = options.host ?? LOOPBACK
  if (typeof host !== 'string' || host === '') {
    throw new FaultlineArgumentError(
      'options.host',
      `expected an address to listen on, got ${describeValue(host)}`,
      createProxy,
    )
  }
  const port = checkNumber(
    options.port ?? 0,
    'options.port',
    { integer: true, min: 0, max: 65535 },
    createProxy,
  )
  const protocol =
    options.protocol === undefined
      ? upstream.protocol
      : checkOneOf(options.protocol, protocolNames, 'options.protocol', undefined, createProxy)
  const seed = checkSeed(options.seed, 'options.seed', createProxy) ?? randomSeed()
  checkFunction(options.onFault, 'options.onFault', { optional: true }, createProxy)
  const timeline = options.timeline
  if (timeline !== undefined && typeof timeline?.start !== 'function') {
    throw new FaultlineArgumentError(
      'options.timeline',
      `expected a Timeline of @faultline/core, got ${describeValue(timeline)}`,
      createProxy,
    )
  }
  const listener = new Listener(upstream.endpoint, { host, port })
  await listener.listen()
  return new FaultProxy({ ...upstream, protocol }, listener, { seed, onFault: options.onFault, timeline })
}

/**
 * A running fault proxy. Every fault method applies the fault at once and returns a {@link ProxyFault}
 * to heal (or dispose with `await using`). `close()` ends every connection, timer and fault.
 *
 * @example
 * await using proxy = await createProxy({ upstream: cache }) // a redis:// service or fixture
 * const client = new Redis(proxy.url(cache.url))
 * await using down = proxy.refuse() // new connections: ECONNREFUSED
 * proxy.records // [{ name: 'refuse both', kind: 'refuse', startedAt, healedAt: undefined, ... }]
 */
export class FaultProxy implements AsyncDisposable {
  /** The service, `host:port`. */
  readonly upstream: string
  /** The protocol framed for triggers, if any. */
  readonly protocol: ProtocolName | undefined
  /** The seed of the proxy's random choices; pass it back as `seed` to replay a run. */
  readonly seed: number
  readonly #records: FaultRecord[] = []
  readonly #target: Endpoint
  readonly #url: string | undefined
  readonly #onFault: FaultListener | undefined
  readonly #listener: Listener
  readonly #host: FaultHost
  readonly #faults = new Set<ProxyFault>()
  #faultCount = 0
  // Active triggers: while there is none, framers only track message boundaries.
  #triggers = 0
  #refusing = 0
  #closing: Promise<void> | undefined

  /** @internal Use {@link createProxy}. */
  constructor(
    upstream: { endpoint: Endpoint; url: string | undefined; protocol: ProtocolName | undefined },
    listener: Listener,
    options: { seed: number; onFault: FaultListener | undefined; timeline: Timeline | undefined },
  ) {
    this.#target = upstream.endpoint
    this.#url = upstream.url
    this.upstream = formatEndpoint(upstream.endpoint)
    this.protocol = upstream.protocol
    this.seed = options.seed
    this.#onFault = options.onFault
    this.#listener = listener
    listener.hooks = { refuses: (id) => this.#refuses(id), opened: (connection) => this.#opened(connection) }
    this.#host = { target: this.upstream, timeline: options.timeline, healed: (fault) => this.#healed(fault) }
  }

  /** Every fault applied so far, in order, with start and heal times. */
  get records(): readonly FaultRecord[] {
    return this.#records
  }

  /** The address the proxy listens on. */
  get host(): string {
    return this.#listener.address.host
  }

  /** The port the proxy listens on. */
  get port(): number {
    return this.#listener.address.port
  }

  /** `host:port` to hand to the code under test. */
  get endpoint(): string {
    return formatEndpoint(this.#listener.address)
  }

  /**
   * A connection URL of the service, through the proxy: `serviceUrl` (or the service's `url`) with its
   * host and port replaced by the proxy's; user, password, database (vhost, path) and query are kept.
   * Without an argument, the URL the proxy was created with (`upstream` as a URL or a service).
   *
   * @example
   * await using proxy = await createProxy({ upstream: db })
   * const client = new pg.Client({ connectionString: proxy.url(db.url) })
   */
  url(serviceUrl?: string | { readonly url: string }): string {
    const url = serviceUrl ?? this.#url
    if (url === undefined) {
      throw new FaultlineError(
        'PROXY_NO_URL',
        `proxy.url() needs the service's URL: this proxy was created with upstream '${this.upstream}'; pass one, e.g. proxy.url(service.url)`,
      )
    }
    return proxiedUrl(url, this.#listener.address, this.#target, 'serviceUrl', this.url)
  }

  /** Connection counts and the bytes waiting in the proxy. */
  stats(): ProxyStats {
    return this.#listener.stats()
  }

  /**
   * Delays every chunk by `ms` ± `jitter` ms. Default direction `downstream` (answers arrive late);
   * `both` adds the latency twice per round trip. Healing: new bytes pass undelayed, bytes already
   * delayed keep their schedule; connections stay open.
   *
   * @example
   * await using slow = proxy.latency({ ms: 100, jitter: 20 })
   */
  latency(options: LatencyOptions): ProxyFault {
    return this.#apply(latencyPlan(options, this.latency))
  }

  /**
   * Limits each connection to `bytesPerSecond` per direction. Default direction `downstream`.
   * Healing restores full speed on open connections.
   *
   * @example
   * await using narrow = proxy.bandwidth({ bytesPerSecond: 10_000 })
   */
  bandwidth(options: BandwidthOptions): ProxyFault {
    return this.#apply(bandwidthPlan(options, this.bandwidth))
  }

  /**
   * Accepts connections and forwards nothing, never closing them (a network partition): bytes wait in the
   * proxy, then TCP back-pressure stops the sender. Default direction `both`. Healing delivers what waited
   * and forwarding resumes on connections the peers did not give up on, as TCP would after a partition.
   *
   * @example
   * await using hole = proxy.blackHole()
   */
  blackHole(options: ProxyFaultOptions = {}): ProxyFault {
    return this.#apply(blackHolePlan(options, this.blackHole))
  }

  /**
   * Resets (TCP RST) every open connection and each new one while active. `direction` says who gets the
   * RST: `downstream` the client, `upstream` the service, `both` (default) both; the other side gets a
   * FIN. Ends connections for good; healing lets new connections through.
   *
   * @example
   * await using reset = proxy.reset()
   */
  reset(options: ProxyFaultOptions = {}): ProxyFault {
    return this.#apply(resetPlan(options, this.reset))
  }

  /**
   * Refuses new connections (the service is down): the proxy stops listening, so clients get
   * ECONNREFUSED; open connections stay. Healing listens again on the same port. With `probability`
   * below 1 the proxy keeps listening and resets the selected new connections instead.
   *
   * @example
   * await using down = proxy.refuse()
   */
  refuse(options: RefuseOptions = {}): ProxyFault {
    const shares = common(options ?? {}, this.refuse)
    const full = shares.probability >= 1
    const plan: FaultPlan = {
      kind: 'refuse',
      direction: 'both',
      params: {},
      ...shares,
      behaviour: () => ({ heal: () => (full ? this.#listenAgain() : undefined) }),
    }
    const fault = this.#apply(plan)
    if (full && ++this.#refusing === 1) this.#listener.stop()
    return fault
  }

  /**
   * Passes a FIN on `ms` later (both directions by default): the peer sees the end of stream late.
   * Healing: closes already delayed keep their delay; later ones pass at once.
   *
   * @example
   * await using lingering = proxy.slowClose({ ms: 2_000 })
   */
  slowClose(options: SlowCloseOptions): ProxyFault {
    return this.#apply(slowClosePlan(options, this.slowClose))
  }

  /**
   * Splits data into pieces of `size` ± `sizeVariation` bytes sent `delay` ms apart (default direction
   * `downstream`), to test parsers against fragmented reads. Healing: new data passes whole.
   *
   * @example
   * await using sliced = proxy.slicer({ size: 1, delay: 1 })
   */
  slicer(options: SlicerOptions): ProxyFault {
    return this.#apply(slicerPlan(options, this.slicer))
  }

  /**
   * Ends a connection once `bytes` more bytes have passed in a direction (counted per direction from when
   * the fault met the connection; default `both`, whichever comes first): exactly `bytes` are forwarded,
   * then RST (or FIN with `mode: 'close'`). Ends connections for good.
   *
   * @example
   * await using cut = proxy.cutAfter({ bytes: 1024, direction: 'downstream' })
   */
  cutAfter(options: CutAfterOptions): ProxyFault {
    return this.#apply(cutAfterPlan(options, this.cutAfter))
  }

  /**
   * Acts at a precise client message: the proxy frames the protocol it was created with and, at the
   * matching message, resets, closes or black-holes that connection, `before` the message reaches the
   * service or right `after`. Ends (or freezes) the matched connection for good; healing stops matching.
   *
   * @example
   * // the split-brain test: the connection dies when the client sends COMMIT
   * await using proxy = await createProxy({ upstream: db }) // a postgres:// URL: framed as PostgreSQL
   * await using cut = proxy.trigger(onPostgres.commit(), { action: 'reset' })
   */
  trigger(matcher: MessageMatcher, options: TriggerOptions = {}): Trigger {
    const hits: TriggerHit[] = []
    const plan = triggerPlan(matcher, options ?? {}, this.protocol, hits, this.trigger)
    const trigger = this.#register(plan, (seed) => new Trigger(plan, seed, this.#host, hits))
    this.#triggers++
    return trigger
  }

  /** Closes the listener, every connection and timer, and records every active fault as healed. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  // A fault healed (or the proxy closed): it no longer meets connections.
  #healed(fault: ProxyFault): void {
    this.#faults.delete(fault)
    if (fault.kind === 'trigger') this.#triggers--
    this.#onFault?.(fault.record, 'heal')
  }

  #apply(plan: FaultPlan): ProxyFault {
    return this.#register(plan, (seed) => new ProxyFault(plan, seed, this.#host))
  }

  #register<F extends ProxyFault>(plan: FaultPlan, create: (seed: number) => F): F {
    if (this.#closing !== undefined) {
      throw new FaultlineError(
        'PROXY_CLOSED',
        `cannot apply ${plan.kind}: the proxy to ${this.upstream} is closed; apply faults before close() (or the end of its await using block)`,
      )
    }
    const fault = create(plan.seed ?? mixSeed(this.seed, ++this.#faultCount))
    this.#faults.add(fault)
    this.#records.push(fault.record)
    this.#onFault?.(fault.record, 'start')
    for (const connection of this.#listener.connections) fault.attach(connection)
    return fault
  }

  #refuses(id: number): boolean {
    for (const fault of this.#faults) {
      if (fault.kind === 'refuse' && fault.selects(id)) {
        fault.affected++
        return true
      }
    }
    return false
  }

  #opened(connection: Connection): void {
    if (this.protocol !== undefined) {
      connection.framing = new Framing(
        connection.up,
        this.protocol,
        () => this.#triggers > 0,
        (message) => {
          for (const fault of this.#faults) fault.message(connection, message)
        },
      )
    }
    for (const fault of this.#faults) fault.attach(connection)
  }

  async #listenAgain(): Promise<void> {
    this.#refusing--
    if (this.#refusing === 0 && this.#closing === undefined) await this.#listener.listen()
  }

  async #shutdown(): Promise<void> {
    const sockets = this.#listener.close()
    for (const fault of [...this.#faults]) await fault.end()
    await sockets
  }
}
