// What each worker thread of a threaded `load` runs (see threads.ts): imports the task's module, runs its
// part of the run, and returns the part's report as JSON.
import { type CorePart, loadPart } from './load.js'
import type { LoadReportJSON } from './report-json.js'
import type { LoadTarget } from './task.js'
import type { PartSignals } from './threads.js'

/** Runs one thread's part of a `load` run; its report as JSON. */
export async function runPart(payload: CorePart, signals: PartSignals): Promise<LoadReportJSON> {
  const module = (await import(payload.task.module)) as Record<string, unknown>
  const target = module[payload.task.export]
  if (target === undefined) {
    throw new Error(
      `${payload.task.module} has no export "${payload.task.export}"; it exports ${Object.keys(module).join(', ') || 'nothing'}`,
    )
  }
  const options = { ...payload.options, signal: signals.signal, stop: signals.stop }
  return (await loadPart(target as LoadTarget, options, payload.part)).toJSON()
}
