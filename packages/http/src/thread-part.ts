// What each worker thread of a threaded `httpLoad` runs (see core's threads.ts): its part of the run, its
// report as JSON.
import type { LoadReportJSON } from '@faultline/core'
import { type HttpPart, httpLoadPart } from './http-load.js'

/** Runs one thread's part of an `httpLoad` run; its report as JSON. */
export async function runPart(payload: HttpPart, signals: { signal: AbortSignal }): Promise<LoadReportJSON> {
  return (await httpLoadPart({ ...payload.options, signal: signals.signal }, payload.part)).toJSON()
}
