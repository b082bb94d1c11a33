// The open model of httpLoad: core's load engine schedules the arrivals (queueing them when every slot
// is busy, dropping them past `maxQueued`, measuring latency from when each was due) and each call is
// one request through an undici pool of keep-alive connections to the target's origin.
import {
  type ArrivalRate,
  FaultlineError,
  type LoadReport,
  type LoadTaskContext,
  loadPart,
} from '@faultline/core'
import { Pool } from 'undici'
import type { ResolvedRun } from './run-options.js'

/** What the open model needs beyond what both models share. */
export interface OpenRun extends ResolvedRun {
  readonly rate: number | ArrivalRate
  readonly maxInFlight: number
  readonly maxQueued: number | undefined
  readonly gracefulStop: number | undefined
  readonly seed: number | undefined
}

// Read every body to its end (dump's default limit, 128 KiB, would destroy the connection past it).
const DUMP = { limit: Number.MAX_SAFE_INTEGER }

// One error per status, reused: core's errorKind names it `HTTP 503` from its status, and at 20,000
// error answers a second a fresh Error each would build 20,000 stack traces a second.
const statusErrors = new Map<number, Error>()
function statusError(status: number): Error {
  let error = statusErrors.get(status)
  if (!error) {
    error = Object.assign(new FaultlineError('HTTP_STATUS', `HTTP ${status}`), { status })
    statusErrors.set(status, error)
  }
  return error
}

/**
 * Runs the open model: `rate` arrivals per second whatever the target does. One connection per request
 * in flight, at most `maxInFlight`; the pool keeps them alive between requests.
 */
export async function openHttpLoad(run: OpenRun): Promise<LoadReport> {
  const pool = new Pool(run.url.origin, { connections: run.maxInFlight, pipelining: 1 })
  const path = `${run.url.pathname}${run.url.search}`
  const { method = 'GET', headers, body, isError } = run
  const task = async (context: LoadTaskContext): Promise<void> => {
    // The call's signal is aborted at its timeout and at the end of the run: undici then drops the request.
    const response = await pool.request({ path, method, headers, body, signal: context.signal })
    await response.body.dump(DUMP)
    if (isError(response.statusCode)) throw statusError(response.statusCode)
  }
  try {
    const report = await loadPart(
      task,
      {
        rate: run.rate,
        duration: run.duration,
        count: run.count,
        maxInFlight: run.maxInFlight,
        maxQueued: run.maxQueued,
        timeout: run.timeout,
        gracefulStop: run.gracefulStop,
        maxDuration: run.maxDuration,
        signal: run.signal,
        seed: run.seed,
        name: run.name,
        interval: run.interval,
        timeline: run.timeline,
        source: 'http',
        unit: 'requests',
        target: run.url.href,
      },
      run.part,
    )
    return report
  } finally {
    await pool.destroy()
  }
}
