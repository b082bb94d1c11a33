// The closed model of httpLoad: autocannon keeps `concurrency` connections busy, one request in flight
// on each (or `pipelining`), and every response it sees is recorded into a Faultline report.
import { announceLoadReport, errorKind, LoadRecorder, type LoadReport, loadRunStarted } from '@faultline/core'
import autocannon from 'autocannon'
import type { HttpRequestShape, ResolvedRun } from './run-options.js'

/** autocannon's own options, for users who know them; they override Faultline's (autocannon units: seconds). */
export type AutocannonOptions = Partial<Omit<autocannon.Options, 'url'>>

/** What the closed model needs beyond what both models share. */
export interface ClosedRun extends ResolvedRun, HttpRequestShape {
  readonly concurrency: number
  readonly pipelining: number | undefined
  readonly autocannon: AutocannonOptions
}

// autocannon fills in its defaults with Object.assign, so an option set to undefined would erase its
// default (method, pipelining): options the user did not give are left out.
const defined = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>

/** Runs the closed model through autocannon; latency is measured from when each request was sent. */
export function closedHttpLoad(run: ClosedRun): Promise<LoadReport> {
  const recorder = new LoadRecorder({
    source: 'http',
    model: 'closed',
    unit: 'requests',
    target: run.url.href,
    name: run.name,
    interval: run.interval,
    timeline: run.timeline,
    timeout: run.timeout,
  })
  const acOptions: autocannon.Options = {
    url: run.url.href,
    connections: run.concurrency,
    // autocannon's duration is in seconds; `amount` takes precedence when both are set.
    duration: (run.duration ?? run.maxDuration) / 1000,
    timeout: run.timeout / 1000,
    ...defined({
      amount: run.count,
      pipelining: run.pipelining,
      method: run.method,
      headers: run.headers,
      body: run.body,
    }),
    ...run.autocannon,
  }
  const { isError, signal, timeout } = run

  return new Promise<LoadReport>((resolve, reject) => {
    const t0 = performance.now()
    let lastMs = 0
    let settled = false
    let aborted = false
    const instance = autocannon(acOptions, (error: unknown) => {
      finish()
      if (aborted) {
        reject(signal?.reason)
        return
      }
      if (error) {
        reject(error)
        return
      }
      // With a count, autocannon notices the end only at its next 1 s sample tick: end at the last reply.
      const elapsed = acOptions.amount === undefined ? performance.now() - t0 : lastMs
      // With a duration, autocannon sends for that long; what follows is its teardown, not load.
      const sendingMs = typeof acOptions.duration === 'number' ? acOptions.duration * 1000 : elapsed
      const activeMs = acOptions.amount === undefined ? Math.min(elapsed, sendingMs) : elapsed
      const report = recorder.finish(elapsed, { activeMs })
      announceLoadReport(report)
      resolve(report)
    })
    // Counted once autocannon took its options (it throws on bad ones); ended by finish(), whatever way.
    const measured = loadRunStarted()
    const hardStop = setTimeout(() => instance.stop(), run.maxDuration + 1000)
    // autocannon stops at its next 1 s sample tick, sending until then: the run rejects once it has
    // stopped and closed its connections, so nothing it sends outlives the promise.
    const onAbort = () => {
      aborted = true
      instance.stop()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    function finish(): void {
      if (settled) return
      settled = true
      measured()
      clearTimeout(hardStop)
      signal?.removeEventListener('abort', onAbort)
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
