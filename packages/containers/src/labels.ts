import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'

/** Labels on every container Faultline starts; the reaper finds them by these. */
export const LABELS = {
  managed: 'dev.faultline.managed',
  run: 'dev.faultline.run',
  pid: 'dev.faultline.pid',
  host: 'dev.faultline.host',
  service: 'dev.faultline.service',
  instance: 'dev.faultline.instance',
} as const

/**
 * The run a container belongs to, and the process whose death makes it an orphan. The Vitest plugin sets
 * FAULTLINE_RUN_ID / FAULTLINE_RUN_PID in the main process so that containers started in test workers
 * belong to the whole run, not to a worker.
 */
export function currentRun(): { id: string; pid: number } {
  if (!process.env.FAULTLINE_RUN_ID) {
    process.env.FAULTLINE_RUN_ID = randomUUID()
    process.env.FAULTLINE_RUN_PID = String(process.pid)
  }
  return { id: process.env.FAULTLINE_RUN_ID, pid: Number(process.env.FAULTLINE_RUN_PID ?? process.pid) }
}

/** The labels for one new container of `service`. */
export function containerLabels(service: string, instance: string): Record<string, string> {
  const run = currentRun()
  return {
    [LABELS.managed]: 'true',
    [LABELS.run]: run.id,
    [LABELS.pid]: String(run.pid),
    [LABELS.host]: hostname(),
    [LABELS.service]: service,
    [LABELS.instance]: instance,
  }
}
