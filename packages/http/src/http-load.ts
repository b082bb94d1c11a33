import {
  errorKind,
  FaultlineArgumentError,
  LoadRecorder,
  type LoadReport,
  type Timeline,
} from '@faultline/core'
import autocannon from 'autocannon'
import { checkTarget } from './target.js'

/** autocannon's own options, for users who know them; they override Faultline's (autocannon units: seconds). */
export type AutocannonOptions = Partial<Omit<autocannon.Options, 'url'>>

/** Options of `httpLoad`. Durations in ms, like the rest of Faultline. */
export interface HttpLoadOptions {
  /** The target, on loopback or a container network unless `allowRemote` is set. */
  readonly url: string
  /** Connections kept busy, each with one request in flight (default 10). */
  readonly connections?: number
  /** How long to send requests (ms). A run needs `duration` or `amount`. */
  readonly duration?: number
  /** Send this many requests, then stop. */
  readonly amount?: number
  /** Cap the overall rate at this many requests per second (autocannon's `overallRate`). */
  readonly rate?: number
  readonly method?: autocannon.Options['method']
  readonly headers?: Record<string, string>
  readonly body?: string | Buffer
  /** A request without a response after this long fails with kind `timeout` (default 10,000 ms). */
  readonly timeout?: number
  /** Requests pipelined per connection (default 1). */
  readonly pipelining?: number
  /** Which statuses count as errors (default: >= 400). */
  readonly isError?: (status: number) => boolean
  /** Stops the run; `httpLoad` then rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Hard bound on the run, whatever else is set (default 60,000 ms). */
  readonly maxDuration?: number
  /** Load an address that is neither loopback nor a container network. Off by default, on purpose. */
  readonly allowRemote?: boolean
  readonly name?: string
  /** Width of one point of the report's time series (default 1,000 ms). */
  readonly interval?: number
  /** The faults applied during the run: the report keeps those overlapping it (`report.during(name)`). */
  readonly timeline?: Timeline
  /** Raw autocannon options, passed through last. */
  readonly autocannon?: AutocannonOptions
}

type Callee = (...args: never[]) => unknown

function positive(value: unknown, argument: string, callee: Callee, integer = false): number | undefined {
  if (value === undefined) return undefined
  const ok =
    typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value))
  if (!ok) {
    const what = integer ? 'a positive integer' : 'a positive number'
    throw new FaultlineArgumentError(argument, `must be ${what}, got ${String(value)}`, callee)
  }
  return value as number
}

/**
 * HTTP load through autocannon, reported as a Faultline `LoadReport`: the histogram is built from every
 * response's own latency (any percentile, p95 included, which autocannon does not report), statuses
 * >= 400 and request errors are counted by kind, and the target must be on loopback or a container
 * network unless `allowRemote` is set.
 *
 * autocannon is a closed model (N connections): latency is measured from when each request was sent.
 *
 * @example
 * const report = await httpLoad({ url: 'http://127.0.0.1:3000/health', connections: 50, duration: 10_000 })
 * expect(report).toMeetSLO({ p95: 50, errorRate: 0.001 })
 */
export async function httpLoad(options: HttpLoadOptions): Promise<LoadReport> {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError('options', 'must be an object with at least url and duration', httpLoad)
  }
  const connections = positive(options.connections, 'options.connections', httpLoad, true) ?? 10
  const duration = positive(options.duration, 'options.duration', httpLoad)
  const amount = positive(options.amount, 'options.amount', httpLoad, true)
  const rate = positive(options.rate, 'options.rate', httpLoad)
  const timeout = positive(options.timeout, 'options.timeout', httpLoad) ?? 10_000
  const maxDuration = positive(options.maxDuration, 'options.maxDuration', httpLoad) ?? 60_000
  positive(options.pipelining, 'options.pipelining', httpLoad, true)
  const raw = options.autocannon ?? {}
  if (
    duration === undefined &&
    amount === undefined &&
    raw.duration === undefined &&
    raw.amount === undefined
  ) {
    throw new FaultlineArgumentError(
      'options.duration',
      'a run needs a bound: give options.duration (ms) or options.amount (requests)',
      httpLoad,
    )
  }
  const url = await checkTarget(options.url, options.allowRemote === true)
  options.signal?.throwIfAborted()

  const isError = options.isError ?? ((status: number) => status >= 400)
  const recorder = new LoadRecorder({
    source: 'http',
    model: 'closed',
    unit: 'requests',
    target: url.href,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.interval === undefined ? {} : { intervalMs: options.interval }),
    ...(options.timeline === undefined ? {} : { timeline: options.timeline }),
    timeoutMs: timeout,
  })
  const acOptions: autocannon.Options = {
    url: url.href,
    connections,
    // autocannon's duration is in seconds; `amount` takes precedence when both are set.
    duration: (duration ?? maxDuration) / 1000,
    timeout: timeout / 1000,
    ...(amount === undefined ? {} : { amount }),
    ...(rate === undefined ? {} : { overallRate: rate }),
    ...(options.pipelining === undefined ? {} : { pipelining: options.pipelining }),
    ...(options.method === undefined ? {} : { method: options.method }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.body === undefined ? {} : { body: options.body }),
    ...raw,
  }

  return new Promise<LoadReport>((resolve, reject) => {
    const t0 = performance.now()
    let lastMs = 0
    let settled = false
    const instance = autocannon(acOptions, (error: unknown) => {
      finish()
      if (error) {
        reject(error)
        return
      }
      // With `amount`, autocannon notices the end only at its next 1 s sample tick: end at the last reply.
      const elapsed = amount === undefined ? performance.now() - t0 : lastMs
      // With a duration, autocannon sends for that long; what follows is its teardown, not load.
      const sendingMs = typeof acOptions.duration === 'number' ? acOptions.duration * 1000 : elapsed
      const activeMs = acOptions.amount === undefined ? Math.min(elapsed, sendingMs) : elapsed
      resolve(recorder.finish(elapsed, { activeMs }))
    })
    const hardStop = setTimeout(() => instance.stop(), maxDuration + 1000)
    const onAbort = () => {
      instance.stop()
      finish()
      reject(options.signal?.reason)
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    function finish(): void {
      if (settled) return
      settled = true
      clearTimeout(hardStop)
      options.signal?.removeEventListener('abort', onAbort)
    }
    // The hot path: one call per response, no allocation unless the response is an error.
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastMs = performance.now() - t0
      recorder.recordCall(
        lastMs - responseTime,
        responseTime,
        isError(statusCode) ? `HTTP ${statusCode}` : undefined,
      )
    })
    instance.on('reqError', (error: unknown) => {
      const now = performance.now() - t0
      lastMs = now
      // autocannon reports a timeout as a plain Error: the request waited `timeout` ms for nothing.
      if (error instanceof Error && error.message === 'request timed out') {
        recorder.recordCall(now - timeout, timeout, 'timeout')
      } else {
        recorder.fail(now, errorKind(error))
      }
    })
  })
}
