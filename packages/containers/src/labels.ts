import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'

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
    startWatchdog(process.env.FAULTLINE_RUN_ID, process.pid)
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

/**
 * Starts the run's watchdog (see watchdog.ts) in its own process group, so that the Ctrl-C that stops the
 * test process does not stop it too. FAULTLINE_WATCHDOG=off turns it off; the next run's sweep remains.
 */
function startWatchdog(runId: string, pid: number): void {
  if (process.env.FAULTLINE_WATCHDOG === 'off') return
  const script = fileURLToPath(new URL('./watchdog.js', import.meta.url))
  if (!existsSync(script)) return // running from sources: only the compiled package ships the watchdog
  try {
    spawn(process.execPath, [script, runId, String(pid)], { detached: true, stdio: 'ignore' }).unref()
  } catch {
    // Without a watchdog the next run's sweep still removes what this run leaves.
  }
}
