// The run's watchdog: a small detached process that outlives the test process by design. When that
// process is gone — finished, crashed, killed with SIGKILL, its terminal closed — it removes every
// container of the run, so that nothing is left even when no teardown ran. (Ryuk does this job where it
// can be pulled; it cannot be where no registry is reachable.)
//
//   node watchdog.js <run id> <pid>
import { setTimeout as sleep } from 'node:timers/promises'
import { alive, removeRunContainers } from './reaper.js'

const [runId, pidText] = process.argv.slice(2)
const pid = Number(pidText)
// Bounded like every loop here: a watch session longer than this is left to the next run's sweep.
const MAX_LIFETIME_MS = 24 * 60 * 60 * 1000

if (runId && Number.isInteger(pid) && pid > 0) {
  const started = performance.now()
  while (alive(pid) && performance.now() - started < MAX_LIFETIME_MS) await sleep(250)
  if (!alive(pid)) await removeRunContainers(runId).catch(() => {})
}
process.exit(0)
