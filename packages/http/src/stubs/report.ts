import { isErrorStatus, LoadRecorder, type LoadReport, now, type Timeline } from '@faultline/core'
import type { UpstreamRequest } from './request-log.js'

/** Options of `requestReport`. */
export interface RequestReportOptions {
  /** The stub's name, for the report (default `upstream`). */
  readonly name?: string
  /** Epoch ms the report starts at (default: the first request). */
  readonly startedAt?: number
  /** Faults to keep on the report (those overlapping it). */
  readonly timeline?: Timeline
  /** Which answered statuses count as errors (default: core's `isErrorStatus`, every status >= 400). */
  readonly isError?: (status: number) => boolean
}

/**
 * The request log of an upstream stub as a `LoadReport` (the upstream's view: how long it held each
 * request), tagged by the behaviour that handled it, so the load matchers apply to it. Requests still
 * pending are left out; abandoned and reset ones are errors of kind `abandoned` / `reset`.
 *
 * @example
 * const report = upstream.report()
 * expect(report.tag('ok')).toHaveErrorRateBelow(0.01)
 */
export function requestReport(
  requests: readonly UpstreamRequest[],
  options: RequestReportOptions = {},
): LoadReport {
  const startedAt = options.startedAt ?? requests[0]?.at ?? now()
  const isError = options.isError ?? isErrorStatus
  const recorder = new LoadRecorder({
    source: 'http',
    unit: 'requests',
    name: options.name ?? 'upstream',
    startedAt,
    timeline: options.timeline,
  })
  let end = startedAt
  for (const r of requests) {
    if (r.endedAt === undefined) continue
    end = Math.max(end, r.endedAt)
    const error =
      r.outcome === 'answered'
        ? r.status !== undefined && isError(r.status)
          ? `HTTP ${r.status}`
          : undefined
        : r.outcome
    recorder.recordCall(r.at - startedAt, r.endedAt - r.at, error, r.behaviour)
  }
  return recorder.finish(Math.max(1, end - startedAt))
}
