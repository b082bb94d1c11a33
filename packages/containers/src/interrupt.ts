import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { currentRun, LABELS } from './labels.js'

/** The signals that end a run early: Ctrl-C, a CI runner's or `timeout`'s stop, a closed terminal. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

// How long the removal may hold up the exit. Removing a few containers takes well under a second.
const REMOVAL_TIMEOUT_MS = 60_000

// Runs in a child process, so that it can finish while this one blocks: a signal handler must be
// synchronous, because the test runner's own handler exits the process on the next tick.
const REMOVE_RUN = `
const { getContainerRuntimeClient } = require(process.env.FAULTLINE_TESTCONTAINERS)
;(async () => {
  const dockerode = (await getContainerRuntimeClient()).container.dockerode
  const found = await dockerode.listContainers({ all: true, filters: { label: [process.env.FAULTLINE_REMOVE_LABEL] } })
  await Promise.allSettled(found.map((c) => dockerode.getContainer(c.Id).remove({ force: true, v: true })))
})().catch(() => {}).finally(() => process.exit(0))
`

/**
 * Removes every container of run `runId` before returning, blocking the process (at most 60 s): for the
 * moment the process is about to exit and no asynchronous work can finish any more.
 *
 * @example
 * process.once('exit', () => removeRunContainersNow(currentRun().id))
 */
export function removeRunContainersNow(runId: string): void {
  spawnSync(process.execPath, ['-e', REMOVE_RUN], {
    env: {
      ...process.env,
      FAULTLINE_TESTCONTAINERS: createRequire(import.meta.url).resolve('testcontainers'),
      FAULTLINE_REMOVE_LABEL: `${LABELS.run}=${runId}`,
    },
    stdio: 'ignore',
    timeout: REMOVAL_TIMEOUT_MS,
  })
}

interface Installed {
  users: number
  handler: (signal: NodeJS.Signals) => void
}

// One handler per run and process, however many Vitest projects installed it.
const key = Symbol.for('faultline.containers.interrupt')

function installed(): Map<string, Installed> {
  const holder = globalThis as { [key]?: Map<string, Installed> }
  holder[key] ??= new Map()
  return holder[key]
}

function uninstall(runId: string): void {
  const entry = installed().get(runId)
  if (!entry) return
  installed().delete(runId)
  for (const signal of SIGNALS) process.off(signal, entry.handler)
}

/**
 * Removes the run's containers when the process gets SIGINT (Ctrl-C), SIGTERM or SIGHUP, then lets the
 * process end as it would have: the test runner's own handler (Vitest sets exit code 130 / 143 and exits)
 * runs next, and when there is none the signal is raised again. Vitest runs no global teardown on these
 * signals, so without this an interrupted run would leave its containers until the watchdog or the next
 * run's sweep. The plugin's global setup installs it; call the returned function to uninstall (the last
 * uninstall of a run removes the handler).
 *
 * @example
 * const stop = removeOnInterrupt()
 * try {
 *   await runEverything()
 * } finally {
 *   stop()
 *   await removeRunContainers()
 * }
 */
export function removeOnInterrupt(runId: string = currentRun().id): () => void {
  let entry = installed().get(runId)
  if (!entry) {
    const handler = (signal: NodeJS.Signals): void => {
      uninstall(runId)
      removeRunContainersNow(runId)
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    }
    entry = { users: 0, handler }
    installed().set(runId, entry)
    // First in line: the runner's handler exits on the next tick.
    for (const signal of SIGNALS) process.prependListener(signal, handler)
  }
  entry.users++
  let done = false
  return () => {
    if (done) return
    done = true
    const current = installed().get(runId)
    if (current === entry && --current.users === 0) uninstall(runId)
  }
}
