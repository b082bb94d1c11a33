// An Artillery script from an HTTP load description, with a processor that counts every response time
// (ms, per status) as an Artillery counter. Counters are the one metric Artillery adds up exactly across
// periods and across the workers of a distributed run (`run-fargate`, `run-lambda`); its percentiles are
// sketches. So the JSON it writes (`--output`) rebuilds Faultline's exact histogram: see ./report.ts.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type ArrivalRate,
  checkNumber,
  constantRate,
  describeValue,
  FaultlineArgumentError,
  optionalNumber,
} from '@faultline/core'
import type { HttpMethod } from '../run-options.js'

/** What to load, as `httpLoad`'s open model says it: Artillery is an open-model engine (arrivals). */
export interface ArtilleryLoadOptions {
  /** The URL each virtual user requests once: the script's `target` is its origin. */
  readonly url: string
  /**
   * Arrivals per second (with `duration`), or a profile of `constantRate` and `rampRate` phases (from
   * `@faultline/core`) in whole seconds; `poissonArrivals(...)` makes Artillery's arrivals Poisson.
   */
  readonly rate: number | ArrivalRate
  /** How long to send at a numeric `rate` (ms, whole seconds: Artillery's phases are in seconds). */
  readonly duration?: number
  readonly method?: HttpMethod
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** A request without a response after this long fails with kind `timeout` (default 10,000 ms). */
  readonly timeout?: number
  /** The scenario's name in Artillery's report; the report's name. */
  readonly name?: string
}

/** An Artillery script (what `artillery run` reads as YAML or JSON). */
export interface ArtilleryScript {
  readonly config: {
    readonly target: string
    readonly phases: readonly ArtilleryPhase[]
    readonly http: { readonly timeout: number }
    readonly processor: string
  }
  readonly scenarios: readonly {
    readonly name: string
    readonly flow: readonly Readonly<Record<string, ArtilleryRequest>>[]
  }[]
}

/** One phase of an Artillery script: `arrivalRate` per second for `duration` s, ramping to `rampTo`. */
export interface ArtilleryPhase {
  readonly duration: number
  readonly arrivalRate: number
  readonly rampTo?: number
  readonly mode?: 'poisson'
}

/** One request of a scenario's flow. */
export interface ArtilleryRequest {
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  readonly afterResponse: string
}

/** The counters the processor writes: `faultline.response_time.<status>.<ms>`. */
export const RESPONSE_TIME_COUNTER = 'faultline.response_time'
/** The file name of the processor, beside the script. */
export const PROCESSOR_FILE = 'faultline-processor.mjs'
const HOOK = 'faultlineCountResponse'

// Artillery calls it after each response; `firstByte` is what Artillery itself reports as
// `http.response_time` (got's timings, whole ms).
const PROCESSOR = `// Written by @faultline/http: counts each response time (ms) per status as an Artillery counter, which
// Artillery adds up exactly across periods and workers, so Faultline rebuilds the exact histogram.
export function ${HOOK}(req, res, context, events, done) {
  const ms = res.timings?.phases?.firstByte
  if (Number.isFinite(ms)) events.emit('counter', \`${RESPONSE_TIME_COUNTER}.\${res.statusCode}.\${Math.round(ms)}\`, 1)
  return done()
}
`

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

function seconds(ms: number, argument: string, callee: (...args: never[]) => unknown): number {
  if (ms % 1000 !== 0) {
    throw new FaultlineArgumentError(
      argument,
      `expected whole seconds (Artillery's phases are in seconds), got ${describeValue(ms)} ms`,
      callee,
    )
  }
  return ms / 1000
}

function phasesOf(options: ArtilleryLoadOptions, callee: (...args: never[]) => unknown): ArtilleryPhase[] {
  let profile: ArrivalRate
  if (typeof options.rate === 'number') {
    checkNumber(options.rate, 'options.rate', { unit: 'arrivals per second', above: 0 }, callee)
    const duration = checkNumber(options.duration, 'options.duration', { unit: 'ms', above: 0 }, callee)
    profile = constantRate(options.rate, duration)
  } else if (
    typeof options.rate === 'object' &&
    options.rate !== null &&
    Array.isArray(options.rate.phases)
  ) {
    profile = options.rate
    if (options.duration !== undefined) {
      throw new FaultlineArgumentError(
        'options.duration',
        'a rate profile has its own duration: leave duration out, or give a number as rate',
        callee,
      )
    }
  } else {
    throw new FaultlineArgumentError(
      'options.rate',
      `expected arrivals per second or a profile (constantRate, rampRate, poissonArrivals), got ${describeValue(options.rate)}`,
      callee,
    )
  }
  return profile.phases.map((phase, i) => {
    const where = `options.rate.phases[${i}]`
    if (phase.shape === 'exponential') {
      throw new FaultlineArgumentError(
        where,
        'Artillery has constant and linear ramp phases, not exponential ones: use stepRates or rampRate',
        callee,
      )
    }
    if (!Number.isFinite(phase.durationMs)) {
      throw new FaultlineArgumentError(where, 'a phase without a duration: give each phase one', callee)
    }
    return {
      duration: seconds(phase.durationMs, `${where}.durationMs`, callee),
      arrivalRate: phase.from,
      ...(phase.shape === 'ramp' && phase.to !== phase.from ? { rampTo: phase.to } : {}),
      ...(profile.poisson ? { mode: 'poisson' as const } : {}),
    }
  })
}

/**
 * The Artillery script of an HTTP load: `rate` arrivals per second, each a virtual user sending one
 * request, with Faultline's processor counting every response time. Write it with `writeArtilleryScript`
 * to run it distributed (`artillery run-fargate script.json`); `artilleryLoad` runs it here.
 *
 * @example
 * const script = artilleryScript({ url: 'http://127.0.0.1:3000/orders', rate: rampRate(10, 100, 60_000) })
 * script.config.phases // [{ duration: 60, arrivalRate: 10, rampTo: 100 }]
 */
export function artilleryScript(options: ArtilleryLoadOptions): ArtilleryScript {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError('options', 'must be an object with url and rate', artilleryScript)
  }
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new FaultlineArgumentError(
      'options.url',
      `expected an http(s) URL, got ${describeValue(options.url)}`,
      artilleryScript,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FaultlineArgumentError(
      'options.url',
      `expected an http(s) URL, got ${options.url}`,
      artilleryScript,
    )
  }
  const method = (options.method ?? 'GET').toUpperCase()
  if (!METHODS.has(method)) {
    throw new FaultlineArgumentError(
      'options.method',
      `expected one of ${[...METHODS].join(', ')}, got ${describeValue(options.method)}`,
      artilleryScript,
    )
  }
  const timeout = optionalNumber(
    options.timeout,
    'options.timeout',
    { unit: 'ms', above: 0 },
    10_000,
    artilleryScript,
  )
  const request: ArtilleryRequest = {
    url: `${url.pathname}${url.search}`,
    ...(options.headers ? { headers: { ...options.headers } } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    afterResponse: HOOK,
  }
  return {
    config: {
      target: url.origin,
      phases: phasesOf(options, artilleryScript),
      http: { timeout: timeout / 1000 },
      processor: `./${PROCESSOR_FILE}`,
    },
    scenarios: [{ name: options.name ?? 'faultline', flow: [{ [method.toLowerCase()]: request }] }],
  }
}

/** The files `writeArtilleryScript` wrote. */
export interface WrittenArtilleryScript {
  /** The script (JSON, which Artillery reads like YAML): `artillery run --output report.json <script>`. */
  readonly script: string
  /** Faultline's processor, beside it: ship both (Artillery bundles the processor for Fargate and Lambda). */
  readonly processor: string
}

/**
 * Writes the Artillery script of an HTTP load (`artilleryScript`) and its processor into `dir`, to run
 * with Artillery anywhere, distributed included; read its `--output` JSON back with `artilleryReport`.
 *
 * @example
 * const { script } = await writeArtilleryScript('load/', { url: 'https://staging.example/orders', rate: 500, duration: 600_000 })
 * // npx artillery run-fargate --count 10 --output report.json load/faultline.json
 */
export async function writeArtilleryScript(
  dir: string,
  options: ArtilleryLoadOptions & { readonly file?: string },
): Promise<WrittenArtilleryScript> {
  const script = artilleryScript(options)
  await mkdir(dir, { recursive: true })
  const paths = { script: join(dir, options.file ?? 'faultline.json'), processor: join(dir, PROCESSOR_FILE) }
  await writeFile(paths.script, `${JSON.stringify(script, null, 2)}\n`)
  await writeFile(paths.processor, PROCESSOR)
  return paths
}
