import { connect, createServer, type Server, type Socket } from 'node:net'
import { FaultlineArgumentError, FaultlineError } from '@faultline/core'
import { describe, type Endpoint, formatEndpoint, isPort, parseEndpoint } from './address.js'
import { Connection, rst } from './connection.js'
import { type Behaviour, effectBehaviour, Fault, type FaultName } from './fault.js'
import { Framing } from './framing.js'
import type {
  BandwidthOptions,
  CutAfterOptions,
  FaultOptions,
  LatencyOptions,
  ProxyOptions,
  RefuseOptions,
  SlicerOptions,
  SlowCloseOptions,
  TriggerOptions,
} from './options.js'
import type { Pipe } from './pipe.js'
import type { MessageMatcher } from './protocols/matchers.js'
import { type ProtocolName, protocolNames } from './protocols/types.js'
import { mixSeed, randomSeed } from './random.js'
import {
  type Direction,
  type FaultListener,
  type FaultRecord,
  now,
  type TimelineSink,
  timelineName,
} from './timeline.js'
import { Trigger, type TriggerHit, triggerBehaviour } from './trigger.js'
import * as check from './validate.js'

/** Connection counts, and the bytes waiting in the proxy. */
export interface ProxyStats {
  readonly accepted: number
  readonly open: number
  /**
   * Bytes the proxy holds right now, over every connection and direction: queued behind a fault, held
   * back while a message is framed, or written and not yet taken by the kernel. Bounded per connection
   * and direction (see docs/proxy.md) whatever the message sizes.
   */
  readonly buffered: number
}

const LOOPBACK = '127.0.0.1'

/**
 * Starts a TCP fault proxy in this process, listening on loopback, forwarding byte-exactly to `upstream`.
 * Hand `proxy.endpoint` (or `host` / `port`) to the code under test, then apply faults.
 *
 * @example
 * await using proxy = await createProxy({ upstream: `127.0.0.1:${redisPort}`, protocol: 'redis' })
 * const client = new Redis({ host: proxy.host, port: proxy.port })
 * await using slow = proxy.latency({ ms: 100, jitter: 10 })
 */
export async function createProxy(options: ProxyOptions): Promise<FaultProxy> {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      `expected { upstream: 'host:port' }, got ${describe(options)}`,
      createProxy,
    )
  }
  const upstream = parseEndpoint(options.upstream, 'options.upstream', createProxy)
  const host = options.host ?? LOOPBACK
  if (typeof host !== 'string' || host === '') {
    throw new FaultlineArgumentError(
      'options.host',
      `expected an address to listen on, got ${describe(host)}`,
      createProxy,
    )
  }
  const port = options.port ?? 0
  if (!isPort(port)) {
    throw new FaultlineArgumentError(
      'options.port',
      `expected a port from 0 to 65535, got ${describe(port)}`,
      createProxy,
    )
  }
  const protocol = options.protocol
  if (protocol !== undefined && !protocolNames.includes(protocol)) {
    throw new FaultlineArgumentError(
      'options.protocol',
      `unknown protocol ${describe(protocol)}; known: ${protocolNames.join(', ')}`,
      createProxy,
    )
  }
  const seed = check.seed(options.seed, 'options.seed', createProxy) ?? randomSeed()
  if (options.onFault !== undefined && typeof options.onFault !== 'function') {
    throw new FaultlineArgumentError(
      'options.onFault',
      `expected a function, got ${describe(options.onFault)}`,
    )
  }
  const timeline = options.timeline
  if (timeline !== undefined && typeof timeline?.start !== 'function') {
    throw new FaultlineArgumentError(
      'options.timeline',
      `expected a timeline with start(name, { target, at }), got ${describe(timeline)}`,
      createProxy,
    )
  }
  const proxy = new FaultProxy(upstream, protocol, seed, fanOut(options.onFault, timeline))
  await proxy.listen(host, port)
  return proxy
}

/**
 * A running fault proxy. Every fault method applies the fault at once and returns a {@link Fault} to heal
 * (or dispose with `await using`). `close()` ends every connection, timer and fault.
 */
export class FaultProxy implements AsyncDisposable {
  /** The service, `host:port`. */
  readonly upstream: string
  /** Every fault applied so far, in order, with start and heal times. */
  readonly timeline: FaultRecord[] = []
  private server: Server | undefined
  private address: Endpoint = { host: LOOPBACK, port: 0 }
  private readonly faults = new Set<Fault>()
  private readonly open = new Set<Connection>()
  private readonly connecting = new Map<Socket, Socket>()
  private accepted = 0
  private faultCount = 0
  // Active triggers: while there is none, framers only track message boundaries.
  private triggers = 0
  private refusing = 0
  private closing: Promise<void> | undefined

  /** @internal Use {@link createProxy}. */
  constructor(
    private readonly target: Endpoint,
    /** The protocol framed for triggers, if any. */
    readonly protocol: ProtocolName | undefined,
    /** The seed of the proxy's random choices; pass it back as `seed` to replay a run. */
    readonly seed: number,
    private readonly onFault: FaultListener | undefined,
  ) {
    this.upstream = formatEndpoint(target)
  }

  /** The address the proxy listens on. */
  get host(): string {
    return this.address.host
  }

  /** The port the proxy listens on. */
  get port(): number {
    return this.address.port
  }

  /** `host:port` to hand to the code under test. */
  get endpoint(): string {
    return formatEndpoint(this.address)
  }

  /** Connection counts and the bytes waiting in the proxy. */
  stats(): ProxyStats {
    let buffered = 0
    for (const connection of this.open) buffered += connection.up.buffered + connection.down.buffered
    return { accepted: this.accepted, open: this.open.size + this.connecting.size, buffered }
  }

  /**
   * Delays every chunk by `ms` ± `jitter` ms. Default direction `downstream` (answers arrive late);
   * `both` adds the latency twice per round trip. Healing: new bytes pass undelayed, bytes already
   * delayed keep their schedule; connections stay open.
   *
   * @example
   * await using slow = proxy.latency({ ms: 100, jitter: 20 })
   */
  latency(options: LatencyOptions): Fault {
    const callee = this.latency
    const ms = check.nonNegative(options?.ms, undefined, 'options.ms', callee)
    const jitter = check.nonNegative(options.jitter, 0, 'options.jitter', callee)
    const direction = check.direction(options.direction, 'downstream', 'options.direction', callee)
    return this.apply('latency', options, direction, { ms, jitter }, callee, (seed) =>
      effectBehaviour(direction, seed, (random) => ({ kind: 'latency', ms, jitter, random })),
    )
  }

  /**
   * Limits each connection to `bytesPerSecond` per direction. Default direction `downstream`.
   * Healing restores full speed on open connections.
   *
   * @example
   * await using narrow = proxy.bandwidth({ bytesPerSecond: 10_000 })
   */
  bandwidth(options: BandwidthOptions): Fault {
    const callee = this.bandwidth
    const bytesPerSecond = check.positive(options?.bytesPerSecond, 'options.bytesPerSecond', callee)
    const direction = check.direction(options.direction, 'downstream', 'options.direction', callee)
    return this.apply('bandwidth', options, direction, { bytesPerSecond }, callee, (seed) =>
      effectBehaviour(direction, seed, () => ({ kind: 'bandwidth', bytesPerSecond })),
    )
  }

  /**
   * Accepts connections and forwards nothing, never closing them (a network partition): bytes wait in the
   * proxy, then TCP back-pressure stops the sender. Default direction `both`. Healing delivers what waited
   * and forwarding resumes on connections the peers did not give up on, as TCP would after a partition.
   *
   * @example
   * await using hole = proxy.blackHole()
   */
  blackHole(options: FaultOptions = {}): Fault {
    const callee = this.blackHole
    const direction = check.direction(options.direction, 'both', 'options.direction', callee)
    return this.apply('blackHole', options, direction, {}, callee, (seed) =>
      effectBehaviour(direction, seed, () => ({ kind: 'hold' })),
    )
  }

  /**
   * Resets (TCP RST) every open connection and each new one while active. `direction` says who gets the
   * RST: `downstream` the client, `upstream` the service, `both` (default) both; the other side gets a
   * FIN. Ends connections for good; healing lets new connections through.
   *
   * @example
   * await using reset = proxy.reset()
   */
  reset(options: FaultOptions = {}): Fault {
    const callee = this.reset
    const direction = check.direction(options.direction, 'both', 'options.direction', callee)
    return this.apply('reset', options, direction, {}, callee, () => ({ attach: (c) => c.reset(direction) }))
  }

  /**
   * Refuses new connections (the service is down): the proxy stops listening, so clients get
   * ECONNREFUSED; open connections stay. Healing listens again on the same port. With `probability`
   * below 1 the proxy keeps listening and resets the selected new connections instead.
   *
   * @example
   * await using down = proxy.refuse()
   */
  refuse(options: RefuseOptions = {}): Fault {
    const callee = this.refuse
    const chance = check.probability(options.probability, 'options.probability', callee)
    const full = chance >= 1
    const fault = this.apply('refuse', options, 'both', {}, callee, () => ({
      heal: async () => {
        if (!full) return
        this.refusing--
        if (this.refusing === 0 && this.closing === undefined)
          await this.listen(this.address.host, this.address.port)
      },
    }))
    if (full) {
      this.refusing++
      if (this.refusing === 1) this.stopListening()
    }
    return fault
  }

  /**
   * Passes a FIN on `ms` later (both directions by default): the peer sees the end of stream late.
   * Healing: closes already delayed keep their delay; later ones pass at once.
   *
   * @example
   * await using lingering = proxy.slowClose({ ms: 2_000 })
   */
  slowClose(options: SlowCloseOptions): Fault {
    const callee = this.slowClose
    const ms = check.nonNegative(options?.ms, undefined, 'options.ms', callee)
    const direction = check.direction(options.direction, 'both', 'options.direction', callee)
    return this.apply('slowClose', options, direction, { ms }, callee, (seed) =>
      effectBehaviour(direction, seed, () => ({ kind: 'slowClose', ms })),
    )
  }

  /**
   * Splits data into pieces of `size` ± `sizeVariation` bytes sent `delayMs` apart (default direction
   * `downstream`), to test parsers against fragmented reads. Healing: new data passes whole.
   *
   * @example
   * await using sliced = proxy.slicer({ size: 1, delayMs: 1 })
   */
  slicer(options: SlicerOptions): Fault {
    const callee = this.slicer
    const size = check.integer(options?.size, 0, 1, 'options.size', callee)
    const sizeVariation = check.nonNegative(options.sizeVariation, 0, 'options.sizeVariation', callee)
    const delayMs = check.nonNegative(options.delayMs, undefined, 'options.delayMs', callee)
    const direction = check.direction(options.direction, 'downstream', 'options.direction', callee)
    return this.apply('slicer', options, direction, { size, sizeVariation, delayMs }, callee, (seed) =>
      effectBehaviour(direction, seed, (random) => ({ kind: 'slice', size, sizeVariation, delayMs, random })),
    )
  }

  /**
   * Ends a connection once `bytes` more bytes have passed in a direction (counted per direction from when
   * the fault met the connection; default `both`, whichever comes first): exactly `bytes` are forwarded,
   * then RST (or FIN with `mode: 'close'`). Ends connections for good.
   *
   * @example
   * await using cut = proxy.cutAfter({ bytes: 1024, direction: 'downstream' })
   */
  cutAfter(options: CutAfterOptions): Fault {
    const callee = this.cutAfter
    const bytes = check.integer(options?.bytes, -1, 0, 'options.bytes', callee)
    if (bytes < 0)
      throw new FaultlineArgumentError('options.bytes', 'expected an integer >= 0, got nothing', callee)
    const mode = check.oneOf(options.mode, ['reset', 'close'] as const, 'reset', 'options.mode', callee)
    const direction = check.direction(options.direction, 'both', 'options.direction', callee)
    return this.apply('cutAfter', options, direction, { bytes, mode }, callee, () => {
      const pipes: Pipe[] = []
      const owner = {}
      return {
        attach(connection) {
          for (const pipe of connection.pipes(direction)) {
            pipes.push(pipe)
            pipe.addMark({ offset: pipe.received + bytes, owner, run: () => connection.cut(mode) })
          }
        },
        heal() {
          for (const pipe of pipes) pipe.removeMarks(owner)
        },
      }
    })
  }

  /**
   * Acts at a precise client message: the proxy frames the protocol it was created with and, at the
   * matching message, resets, closes or black-holes that connection, `before` the message reaches the
   * service or right `after`. Ends (or freezes) the matched connection for good; healing stops matching.
   *
   * @example
   * // the split-brain test: the connection dies when the client sends COMMIT
   * await using proxy = await createProxy({ upstream, protocol: 'postgres' })
   * await using cut = proxy.trigger(postgres.commit(), { action: 'reset' })
   */
  trigger(matcher: MessageMatcher, options: TriggerOptions = {}): Trigger {
    const callee = this.trigger
    if (typeof matcher !== 'object' || matcher === null || typeof matcher.matches !== 'function') {
      throw new FaultlineArgumentError(
        'matcher',
        `expected a matcher such as postgres.commit(), redis.command('EXEC') or amqp.method('basic.ack'), got ${describe(matcher)}`,
        callee,
      )
    }
    if (this.protocol !== matcher.protocol) {
      const fix =
        this.protocol === undefined
          ? `create the proxy with createProxy({ upstream, protocol: '${matcher.protocol}' })`
          : `this proxy frames ${this.protocol}`
      throw new FaultlineArgumentError(
        'matcher',
        `${matcher.description} needs ${matcher.protocol} framing; ${fix}`,
        callee,
      )
    }
    const action = check.oneOf(
      options.action,
      ['reset', 'close', 'blackHole'] as const,
      'reset',
      'options.action',
      callee,
    )
    const at = check.oneOf(options.at, ['before', 'after'] as const, 'before', 'options.at', callee)
    const nth = check.integer(options.nth, 1, 1, 'options.nth', callee)
    const times =
      options.times === Number.POSITIVE_INFINITY
        ? Infinity
        : check.integer(options.times, 1, 1, 'options.times', callee)
    const params = { message: matcher.description, action, at, nth, times }
    const hits: TriggerHit[] = []
    const behaviour = triggerBehaviour(matcher, params, hits)
    const trigger = this.register('trigger', {}, 'upstream', params, callee, (record, _chance, onHeal) => {
      return new Trigger(record, 1, behaviour, onHeal, hits)
    })
    this.triggers++
    return trigger
  }

  /** Closes the listener, every connection and timer, and heals every fault. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** @internal Starts (or restarts, after `refuse`) listening. */
  async listen(host: string, port: number): Promise<void> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true })
    server.on('connection', (socket) => this.accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port, backlog: 1024 }, () => {
        server.off('error', reject)
        resolve()
      })
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        throw new FaultlineError(
          'PROXY_PORT_IN_USE',
          `cannot listen on ${formatEndpoint({ host, port })}: the port is in use. Leave options.port out (an ephemeral port) or choose a free one.`,
          { cause: error },
        )
      }
      throw new FaultlineError(
        'PROXY_LISTEN_FAILED',
        `cannot listen on ${formatEndpoint({ host, port })}: ${error.message}`,
        { cause: error },
      )
    })
    if (this.closing !== undefined) {
      server.close()
      return
    }
    const address = server.address()
    if (address !== null && typeof address === 'object')
      this.address = { host: address.address, port: address.port }
    this.server = server
  }

  private stopListening(): void {
    this.server?.close()
    this.server = undefined
  }

  private accept(client: Socket): void {
    client.on('error', ignore)
    if (this.closing !== undefined) {
      client.destroy()
      return
    }
    const id = ++this.accepted
    for (const fault of this.faults) {
      if (fault.name === 'refuse' && fault.selects(id)) {
        fault.affected++
        rst(client)
        return
      }
    }
    const server = connect({
      host: this.target.host,
      port: this.target.port,
      allowHalfOpen: true,
      noDelay: true,
    })
    server.on('error', ignore)
    this.connecting.set(client, server)
    const settle = (): boolean => {
      this.connecting.delete(client)
      server.off('error', unreachable)
      client.off('close', gone)
      return this.closing === undefined
    }
    // The service is unreachable: the client sees a reset, as it would from a dead service behind a LB.
    const unreachable = (): void => {
      settle()
      rst(client)
    }
    const gone = (): void => {
      settle()
      server.destroy()
    }
    server.once('error', unreachable)
    client.once('close', gone)
    server.once('connect', () => {
      if (!settle()) return
      const connection = new Connection(id, client, server, (c) => this.open.delete(c))
      this.open.add(connection)
      if (this.protocol !== undefined) this.frame(connection, this.protocol)
      for (const fault of this.faults) fault.attach(connection)
      if (!client.destroyed && !server.destroyed) connection.start()
    })
  }

  private frame(connection: Connection, protocol: ProtocolName): void {
    connection.framing = new Framing(
      connection.up,
      protocol,
      () => this.triggers > 0,
      (message) => {
        for (const fault of this.faults) fault.message(connection, message)
      },
    )
  }

  private apply(
    name: FaultName,
    options: FaultOptions | RefuseOptions,
    direction: Direction,
    params: Record<string, unknown>,
    callee: Callee,
    behaviour: (seed: number) => Behaviour,
  ): Fault {
    return this.register(name, options, direction, params, callee, (record, chance, onHeal) => {
      return new Fault(record, chance, behaviour(record.seed), onHeal)
    })
  }

  private register<F extends Fault>(
    name: FaultName,
    options: FaultOptions | RefuseOptions,
    direction: Direction,
    params: Record<string, unknown>,
    callee: Callee,
    create: (record: FaultRecord, chance: number, onHeal: (fault: Fault) => void) => F,
  ): F {
    if (this.closing !== undefined) {
      throw new FaultlineError(
        'PROXY_CLOSED',
        `cannot apply ${name}: the proxy to ${this.upstream} is closed`,
      )
    }
    const chance = check.probability(options.probability, 'options.probability', callee)
    const seed = check.seed(options.seed, 'options.seed', callee) ?? mixSeed(this.seed, ++this.faultCount)
    const record: FaultRecord = {
      name,
      direction,
      startedAt: now(),
      healedAt: undefined,
      params: chance < 1 ? { ...params, probability: chance } : params,
      seed,
      target: this.upstream,
    }
    const fault = create(record, chance, (healed) => {
      this.faults.delete(healed)
      if (healed.name === 'trigger') this.triggers--
      this.onFault?.(healed.record, 'heal')
    })
    this.faults.add(fault)
    this.timeline.push(record)
    this.onFault?.(record, 'start')
    for (const connection of this.open) fault.attach(connection)
    return fault
  }

  private async shutdown(): Promise<void> {
    for (const fault of [...this.faults]) await fault.end()
    const server = this.server
    this.server = undefined
    for (const [client, server] of this.connecting) {
      client.destroy()
      server.destroy()
    }
    this.connecting.clear()
    for (const connection of [...this.open]) connection.destroy()
    this.open.clear()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

function ignore(): void {}

// One listener for both hooks: the user's onFault and the shared timeline's start/heal.
function fanOut(
  onFault: FaultListener | undefined,
  timeline: TimelineSink | undefined,
): FaultListener | undefined {
  if (timeline === undefined) return onFault
  const marks = new Map<FaultRecord, { heal(at?: number): void }>()
  return (record, event) => {
    if (event === 'start') {
      marks.set(record, timeline.start(timelineName(record), { target: record.target, at: record.startedAt }))
    } else {
      marks.get(record)?.heal(record.healedAt)
      marks.delete(record)
    }
    onFault?.(record, event)
  }
}

type Callee = (...args: never[]) => unknown
