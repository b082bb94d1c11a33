// Runs an Artillery script here (`artillery run`) and reads its JSON report into a LoadReport. Artillery
// is the user's own install (it is large, and their CI may already run it distributed): found through
// the `artillery` option, FAULTLINE_ARTILLERY, or node_modules/.bin and PATH.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { FaultlineError, type LoadReport, optionalNumber, rateDuration, type Timeline } from '@faultline/core'
import { checkTarget } from '../target.js'
import { type ArtilleryReportJSON, artilleryReport } from './report.js'
import { type ArtilleryLoadOptions, writeArtilleryScript } from './script.js'

/** `artilleryLoad`'s options: the load, and how to run Artillery. */
export interface ArtilleryRunOptions extends ArtilleryLoadOptions, Omit<RunArtilleryOptions, 'limit'> {
  /** Kill Artillery if it has not finished this long (ms) after the load's own duration (default 60,000). */
  readonly grace?: number
  /** The faults applied during the run: the report keeps those overlapping it. */
  readonly timeline?: Timeline
  /** Load an address that is neither loopback nor a container network. Off by default, on purpose. */
  readonly allowRemote?: boolean
}

const MISSING =
  'Artillery is not installed: `npm i -D artillery` (with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, or its Playwright engine downloads browsers), or point the `artillery` option or FAULTLINE_ARTILLERY at its binary'

/** The `artillery` binary to run, or an error saying how to install it. */
export function findArtillery(explicit?: string): string {
  const candidates = [
    explicit,
    process.env.FAULTLINE_ARTILLERY,
    resolve('node_modules/.bin/artillery'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'artillery')),
  ]
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate
  throw new FaultlineError('ARTILLERY_MISSING', MISSING)
}

/** Runs `artillery run --output <json> <script>` to its end; kills it on abort or past `limitMs`. */
function runToEnd(bin: string, args: string[], limitMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    // Telemetry off: a test run must not call home. Not detached: Ctrl-C reaches Artillery too.
    const child = spawn(bin, args, {
      env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let stopped: Error | undefined
    const kill = (reason: Error) => {
      stopped ??= reason
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 2_000).unref()
    }
    const onAbort = () => kill(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
    const timer = setTimeout(
      () =>
        kill(
          new FaultlineError(
            'ARTILLERY_TIMEOUT',
            `Artillery had not finished ${Math.round(limitMs / 1000)} s after it started; killed it. Its last output:\n${output}`,
          ),
        ),
      limitMs,
    )
    const onExit = () => child.kill('SIGKILL')
    process.once('exit', onExit)
    signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (error) => kill(error))
    child.on('close', (code) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      process.removeListener('exit', onExit)
      if (stopped) fail(stopped)
      else if (code !== 0)
        fail(
          new FaultlineError(
            'ARTILLERY_FAILED',
            `artillery ${args.join(' ')} exited with ${code}:\n${output}`,
          ),
        )
      else done()
    })
  })
}

/** How `runArtillery` runs Artillery. */
export interface RunArtilleryOptions {
  /** The `artillery` binary (default: FAULTLINE_ARTILLERY, then node_modules/.bin, then PATH). */
  readonly artillery?: string
  /** Stops the run: Artillery is killed, and `runArtillery` rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Kill Artillery past this long (ms; default 120,000). */
  readonly limit?: number
}

/**
 * Runs an Artillery script file here (`artillery run --output`) and returns its JSON report, for
 * `artilleryReport`. Artillery is killed when `signal` aborts, past `limit`, and when this process exits.
 *
 * @example
 * const { script } = await writeArtilleryScript(dir, { url, rate: 20, duration: 5_000 })
 * const report = artilleryReport(await runArtillery(script))
 */
export async function runArtillery(
  script: string,
  options: RunArtilleryOptions = {},
): Promise<ArtilleryReportJSON> {
  options.signal?.throwIfAborted()
  const bin = findArtillery(options.artillery)
  const limit = optionalNumber(
    options.limit,
    'options.limit',
    { unit: 'ms', above: 0 },
    120_000,
    runArtillery,
  )
  const dir = await mkdtemp(join(tmpdir(), 'faultline-artillery-'))
  try {
    const output = join(dir, 'report.json')
    await runToEnd(bin, ['run', '--quiet', '--output', output, script], limit, options.signal)
    return JSON.parse(await readFile(output, 'utf8')) as ArtilleryReportJSON
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Runs an HTTP load with Artillery on this machine and reads its report into a `LoadReport` (see
 * `artilleryReport`): the same load, script and processor that `writeArtilleryScript` writes for a
 * distributed run, so the same test judges both.
 *
 * @example
 * const report = await artilleryLoad({ url: `${api.url}/orders`, rate: 50, duration: 20_000 })
 * expect(report).toMeetSLO({ p95: 300, errorRate: 0.01 })
 */
export async function artilleryLoad(options: ArtilleryRunOptions): Promise<LoadReport> {
  options.signal?.throwIfAborted()
  const grace = optionalNumber(
    options.grace,
    'options.grace',
    { unit: 'ms', above: 0 },
    60_000,
    artilleryLoad,
  )
  await checkTarget(options.url, options.allowRemote ?? false)
  const dir = await mkdtemp(join(tmpdir(), 'faultline-artillery-'))
  try {
    const { script } = await writeArtilleryScript(dir, options)
    const loadMs = typeof options.rate === 'number' ? (options.duration ?? 0) : rateDuration(options.rate)
    const json = await runArtillery(script, {
      limit: loadMs + grace,
      ...(options.artillery !== undefined ? { artillery: options.artillery } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    })
    return artilleryReport(json, {
      target: options.url,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.timeline !== undefined ? { timeline: options.timeline } : {}),
      timeout: options.timeout ?? 10_000,
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
