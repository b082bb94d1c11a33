import { now } from '../clock.js'
import { checkFunction, optionalNumber } from '../validate.js'

/** One sample: when (ms since the monitor started) and the value read. */
export interface MonitorSample {
  readonly atMs: number
  readonly value: number
}

/**
 * Samples of one monitored quantity, as a report carries them (`report.monitor(name)`) and as the monitor
 * matchers judge them; a `Monitor` is one.
 */
export interface MonitorSeries {
  readonly name: string
  readonly unit: string
  readonly intervalMs: number
  /** Samples that could not be read. */
  readonly failures: number
  readonly samples: readonly MonitorSample[]
}

/** Options of a monitor. */
export interface MonitorOptions {
  /** How often to sample, in ms (default 100, at least 1). */
  interval?: number
  /** Unit of the values, for messages: `connections`, `bytes`, `messages`. */
  unit?: string
  /** Stop by itself after this many samples (default 100 000): every loop here is bounded. */
  maxSamples?: number
  /** Runs once when the monitor stops: close the connection the sampler uses. */
  cleanup?: () => Promise<void> | void
}

/**
 * Samples a number (connections, memory, queue depth) at an interval while a test runs, for matchers such
 * as `toNeverExceed` (pool exhaustion) and `toBeStable` (leaks). A failed sample is skipped and counted,
 * never thrown: a monitor watches, it does not take part.
 *
 * @example
 * await using connections = startMonitor('pg connections', () => pgConnections(pg), { unit: 'connections' })
 * await runLoad()
 * expect(await connections.stop()).toNeverExceed(10)
 */
export class Monitor implements AsyncDisposable, MonitorSeries {
  readonly name: string
  /** Epoch ms of the monitor's start (core's `now()`): a sample's `atMs` counts from here. */
  readonly startedAt = now()
  readonly unit: string
  readonly intervalMs: number
  readonly #samples: MonitorSample[] = []
  readonly #sample: () => Promise<number> | number
  readonly #maxSamples: number
  #failures = 0
  #lastError: unknown
  #timer: NodeJS.Timeout | undefined
  #inFlight: Promise<void> | undefined
  #stopped = false
  readonly #cleanup: (() => Promise<void> | void) | undefined

  constructor(name: string, sample: () => Promise<number> | number, options: MonitorOptions = {}) {
    const intervalMs = optionalNumber(options.interval, 'options.interval', { unit: 'ms', min: 1 }, 100)
    checkFunction(sample, 'sample')
    const maxSamples = optionalNumber(
      options.maxSamples,
      'options.maxSamples',
      { integer: true, min: 1 },
      100_000,
    )
    this.name = name
    this.unit = options.unit ?? ''
    this.intervalMs = intervalMs
    this.#sample = sample
    this.#maxSamples = maxSamples
    this.#cleanup = options.cleanup
    this.#tick()
    this.#timer = setInterval(() => this.#tick(), intervalMs)
    this.#timer.unref()
  }

  #tick(): void {
    if (this.#inFlight || this.#stopped) return // a slow sample is not stacked behind another
    const atMs = now() - this.startedAt
    const sampling = (async () => {
      try {
        const value = await this.#sample()
        if (typeof value === 'number' && Number.isFinite(value)) this.#samples.push({ atMs, value })
        else this.#failures++
      } catch (error) {
        this.#failures++
        this.#lastError = error
      }
    })()
    this.#inFlight = sampling
    // Cleared after the assignment: a sample that fails synchronously must not leave the monitor stuck.
    void sampling.finally(() => {
      if (this.#inFlight === sampling) this.#inFlight = undefined
      if (this.#samples.length + this.#failures >= this.#maxSamples) void this.stop()
    })
  }

  /** The samples so far. */
  get samples(): readonly MonitorSample[] {
    return this.#samples
  }
  /** Samples that failed (the service did not answer) or were not numbers. */
  get failures(): number {
    return this.#failures
  }
  /** The last sampling error, if any. */
  get lastError(): unknown {
    return this.#lastError
  }
  /** The largest value sampled (NaN with no sample). */
  get max(): number {
    return this.#samples.length === 0 ? Number.NaN : Math.max(...this.#samples.map((s) => s.value))
  }

  /** Stops sampling (waiting for a sample in flight) and returns the monitor, for matchers. */
  async stop(): Promise<this> {
    const first = !this.#stopped
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    await this.#inFlight
    if (first) await this.#cleanup?.()
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }

  /** The samples as JSON, for reports. */
  toJSON(): MonitorSeries & { startedAt: number } {
    return {
      startedAt: this.startedAt,
      name: this.name,
      unit: this.unit,
      intervalMs: this.intervalMs,
      failures: this.#failures,
      samples: [...this.#samples],
    }
  }
}

/** Starts a monitor; see {@link Monitor}. */
export function startMonitor(
  name: string,
  sample: () => Promise<number> | number,
  options?: MonitorOptions,
): Monitor {
  return new Monitor(name, sample, options)
}

/** Samples the process's heap (bytes used), e.g. to check a load run leaves memory stable. */
export function heapMonitor(options?: MonitorOptions): Monitor {
  return new Monitor('heap used', () => process.memoryUsage().heapUsed, { unit: 'bytes', ...options })
}

/**
 * The least-squares trend of the samples: slope per second and the growth it implies over the sampled
 * span, with the mean, for leak detection.
 */
export function trend(samples: readonly MonitorSample[]): {
  slopePerSecond: number
  growth: number
  mean: number
  spanMs: number
} {
  const n = samples.length
  if (n < 2) return { slopePerSecond: 0, growth: 0, mean: samples[0]?.value ?? Number.NaN, spanMs: 0 }
  let sx = 0
  let sy = 0
  for (const s of samples) {
    sx += s.atMs
    sy += s.value
  }
  const mx = sx / n
  const my = sy / n
  let sxy = 0
  let sxx = 0
  for (const s of samples) {
    sxy += (s.atMs - mx) * (s.value - my)
    sxx += (s.atMs - mx) ** 2
  }
  const slopePerMs = sxx === 0 ? 0 : sxy / sxx
  const spanMs = samples[n - 1]!.atMs - samples[0]!.atMs
  return { slopePerSecond: slopePerMs * 1000, growth: slopePerMs * spanMs, mean: my, spanMs }
}
