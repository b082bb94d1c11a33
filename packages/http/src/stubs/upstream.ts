import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  AppliedFault,
  checkNumber,
  FaultlineArgumentError,
  FaultlineError,
  type FaultWindow,
  type LoadReport,
  now,
  optionalNumber,
  type Timeline,
  type TimelineOptions,
} from '@faultline/core'
import { checkBehaviour, type UpstreamBehaviour } from './behaviour.js'
import { type Decide, decider } from './decide.js'
import { type RequestReportOptions, requestReport } from './report.js'
import type { RequestLog, UpstreamRequest, UpstreamRequestOutcome } from './request-log.js'
import { respond, type Timers } from './respond.js'

/** Options of `startUpstream`. */
export interface UpstreamOptions {
  /** A loopback address to listen on: `127.0.0.1` (default), `::1` or `localhost`. */
  readonly host?: string
  /** The port (default: a free one). */
  readonly port?: number
  /** A name for messages and the timeline (default `upstream`). */
  readonly name?: string
  /** Records the faults applied with `upstream.fault(...)`. */
  readonly timeline?: Timeline
}

/**
 * A behaviour applied to an upstream stub for a while (`upstream.fault(...)`): `await heal()`, or the end
 * of an `await using` block, puts back the behaviour it replaced. Its window is on the stub's timeline.
 *
 * @example
 * {
 *   await using outage = upstream.fault({ kind: 'status', status: 503 })
 *   outage.active // true
 * } // healed: the upstream answers as before
 */
export class UpstreamFault extends AppliedFault {
  /** The behaviour in force while the fault is active. */
  readonly behaviour: UpstreamBehaviour
  readonly #restore: () => void

  /** @internal Use `upstream.fault(behaviour)`. */
  constructor(
    behaviour: UpstreamBehaviour,
    window: ConstructorParameters<typeof FaultWindow>,
    restore: () => void,
  ) {
    super(...window)
    this.behaviour = behaviour
    this.#restore = restore
  }

  /** Puts back the behaviour it replaced, for the requests that arrive from now on. */
  protected undo(): void {
    this.#restore()
  }
}

/** Options of `upstream.fault(...)`. */
export interface UpstreamFaultOptions extends TimelineOptions {
  /** How the fault reads on the timeline (default `<stub name> <kind>`). */
  readonly name?: string
}

/** Options of `upstream.waitForRequests(...)`. */
export interface WaitForRequestsOptions {
  /** Give up after this long (default 5,000 ms). */
  readonly timeout?: number
  /** Stops the wait; it then rejects with the signal's reason. */
  readonly signal?: AbortSignal
}

type MutableRequest = { -readonly [K in keyof UpstreamRequest]: UpstreamRequest[K] }

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/**
 * A real HTTP server on loopback that misbehaves on purpose, recording every request it gets.
 * Start it with `startUpstream`; `await using` closes it, ending every connection it holds.
 *
 * @example
 * await using upstream = await startUpstream({ kind: 'blackHole' })
 * await expect((signal) => client.complete('hi', { baseUrl: upstream.url, signal })).toFailFastWithin(2_500)
 * expect(upstream).toHaveReceivedAtMost(3)
 */
export class StartedUpstream implements RequestLog, AsyncDisposable {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string
  readonly port: number
  readonly name: string
  /** When the stub started listening, epoch ms. */
  readonly startedAt: number
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #log: MutableRequest[] = []
  readonly #timeline: Timeline | undefined
  #behaviour: UpstreamBehaviour
  #decide: Decide
  #behaviourSince: number
  #closed: Promise<void> | undefined

  private constructor(server: Server, behaviour: UpstreamBehaviour, options: UpstreamOptions) {
    this.#server = server
    this.#behaviour = behaviour
    this.#decide = decider(behaviour)
    this.#timeline = options.timeline
    this.name = options.name ?? 'upstream'
    const address = server.address() as AddressInfo
    this.port = address.port
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    this.url = `http://${host}:${address.port}`
    this.startedAt = now()
    this.#behaviourSince = this.startedAt
  }

  /** @internal Use `startUpstream`. */
  static async start(behaviour: UpstreamBehaviour, options: UpstreamOptions): Promise<StartedUpstream> {
    const server = createServer()
    // Keep-alive connections would outlive a test's last request; the stub closes them itself anyway.
    server.keepAliveTimeout = 1_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    const upstream = new StartedUpstream(server, behaviour, options)
    upstream.#wire()
    return upstream
  }

  #wire(): void {
    const timers: Timers = {
      after: (ms, fn) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer)
          fn()
        }, ms)
        this.#timers.add(timer)
        return timer
      },
      clear: (timer) => {
        if (timer === undefined) return
        clearTimeout(timer)
        this.#timers.delete(timer)
      },
    }
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    this.#server.on('request', (req, res) => {
      const at = now()
      const steady = this.#decide(at - this.#behaviourSince, req.headers)
      const entry: MutableRequest = {
        index: this.#log.length,
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        behaviour: steady.kind,
        at,
        endedAt: undefined,
        status: undefined,
        outcome: 'pending',
      }
      this.#log.push(entry)
      const end = (outcome: UpstreamRequestOutcome): void => {
        if (entry.outcome !== 'pending') return
        entry.outcome = outcome
        entry.endedAt = now()
      }
      res.once('finish', () => {
        entry.status = res.statusCode
        end('answered')
      })
      res.once('close', () => end('abandoned'))
      req.resume() // read and drop the request body, so the client can finish sending it
      respond(req, res, steady, timers, {
        onReset: () => end('reset'),
        onAnswered: (status) => {
          entry.status = status
          end('answered')
        },
      })
    })
  }

  /** Every request received so far, oldest first. */
  get requests(): readonly UpstreamRequest[] {
    return this.#log.map((r) => ({ ...r }))
  }

  /** How many requests it has received. */
  get count(): number {
    return this.#log.length
  }

  /** The behaviour in force. */
  get behaviour(): UpstreamBehaviour {
    return this.#behaviour
  }

  /** Requests that arrived in [from, to] (epoch ms). */
  requestsBetween(from: number, to: number): readonly UpstreamRequest[] {
    return this.requests.filter((r) => r.at >= from && r.at <= to)
  }

  /**
   * The requests that ended so far as a `LoadReport` (how long the stub held each, tagged by behaviour),
   * for the load matchers; faults on the stub's timeline come with it.
   *
   * @example
   * expect(upstream.report().tag('ok')).toHaveP95Below(50)
   */
  report(options: Omit<RequestReportOptions, 'name'> = {}): LoadReport {
    return requestReport(this.requests, { name: this.name, timeline: this.#timeline, ...options })
  }

  /** Forgets the requests received so far (e.g. after warm-up). */
  clearRequests(): void {
    this.#log.length = 0
  }

  /**
   * Switches behaviour for the requests that arrive from now on; a flapping schedule starts now.
   *
   * @example
   * upstream.set({ kind: 'status', status: 503 })
   */
  set(behaviour: UpstreamBehaviour): this {
    checkBehaviour(behaviour, 'behaviour', this.set)
    this.#behaviour = behaviour
    this.#decide = decider(behaviour)
    this.#behaviourSince = now()
    return this
  }

  /**
   * Applies `behaviour` as a fault, recorded on the timeline (the stub's, or `options.timeline`);
   * `await heal()` or dispose puts back the behaviour it replaced. Requests a black hole holds stay held
   * until the client gives up or the stub closes.
   *
   * @example
   * {
   *   await using outage = upstream.fault({ kind: 'blackHole' })
   *   // ... calls fail fast ...
   * } // healed: the upstream answers again
   */
  fault(behaviour: UpstreamBehaviour, options: UpstreamFaultOptions = {}): UpstreamFault {
    checkBehaviour(behaviour, 'behaviour', this.fault)
    const previous = this.#behaviour
    this.set(behaviour)
    const window = {
      timeline: options.timeline ?? this.#timeline,
      target: this.name,
      details: { ...behaviour },
    }
    return new UpstreamFault(behaviour, [options.name ?? `${this.name} ${behaviour.kind}`, window], () =>
      this.set(previous),
    )
  }

  /**
   * Waits until at least `n` requests have arrived, polling every 5 ms, at most `options.timeout` ms
   * (default 5,000); rejects with a `FaultlineError` (`UPSTREAM_WAIT_TIMEOUT`) past it.
   *
   * @example
   * void client.complete('hi') // into the black hole
   * await upstream.waitForRequests(1, { timeout: 2_000 })
   */
  async waitForRequests(n: number, options: WaitForRequestsOptions = {}): Promise<void> {
    checkNumber(n, 'n', { integer: true, min: 0 }, this.waitForRequests)
    const timeout = optionalNumber(
      options.timeout,
      'options.timeout',
      { unit: 'ms', min: 0 },
      5_000,
      this.waitForRequests,
    )
    const deadline = performance.now() + timeout
    while (this.#log.length < n) {
      options.signal?.throwIfAborted()
      if (performance.now() >= deadline) {
        throw new FaultlineError(
          'UPSTREAM_WAIT_TIMEOUT',
          `${this.name} received ${this.#log.length} of ${n} requests within ${timeout} ms; ` +
            "check that the client calls this stub's url, or give waitForRequests a longer timeout",
        )
      }
      await sleep(5)
    }
  }

  /** Stops listening and ends every connection and timer it holds, black-holed ones included. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer)
      this.#timers.clear()
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
      for (const socket of this.#sockets) socket.destroy()
    })
    return this.#closed
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/**
 * Starts an HTTP upstream stub on loopback with `behaviour` (default: answers 200 `ok`).
 *
 * @example
 * await using upstream = await startUpstream({ kind: 'status', status: 429, retryAfter: 1 })
 * const res = await fetch(upstream.url) // 429, Retry-After: 1
 * upstream.count // 1
 */
export async function startUpstream(
  behaviour: UpstreamBehaviour = { kind: 'ok' },
  options: UpstreamOptions = {},
): Promise<StartedUpstream> {
  checkBehaviour(behaviour, 'behaviour', startUpstream)
  if (options.host !== undefined && !LOOPBACK.has(options.host)) {
    throw new FaultlineArgumentError(
      'options.host',
      `an upstream stub listens on loopback only (127.0.0.1, ::1, localhost), got ${options.host}`,
      startUpstream,
    )
  }
  return StartedUpstream.start(behaviour, options)
}
