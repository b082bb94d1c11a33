import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { type ArrivalRate, profileValueAt } from './arrivals.js'
import type { LoadRun } from './run.js'

// A worker whose task resolves at once would otherwise loop on microtasks and starve timers and I/O.
const YIELD_EVERY_MS = 5
// How often a users profile is re-read to add or retire workers.
const USERS_TICK_MS = 10

/** How many workers should run, and how many do; a worker above the target retires after its call. */
interface Crew {
  target: number
  active: number
}

async function worker(run: LoadRun, crew: Crew): Promise<void> {
  let lastYield = performance.now()
  for (;;) {
    if (crew.active > crew.target) break
    const now = run.now()
    if (!run.canStart(now)) break
    await run.start(now, run.pick())
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await yieldToEventLoop()
      lastYield = performance.now()
    }
  }
  crew.active--
}

function followUsers(run: LoadRun, users: ArrivalRate, crew: Crew): void {
  const tick = (): void => {
    if (run.stopped) return
    crew.target = Math.floor(profileValueAt(users, run.now()) + 1e-9)
    while (crew.active < crew.target) {
      crew.active++
      void worker(run, crew)
    }
    run.timer(tick, USERS_TICK_MS)
  }
  tick()
}

/**
 * Closed model: `concurrency` workers, each starting its next call when the previous one ends; with a
 * users profile, workers are added and retired as the profile rises and falls.
 */
export function driveClosed(run: LoadRun): void {
  const users = run.options.users
  if (users) {
    followUsers(run, users, { target: 0, active: 0 })
    return
  }
  const n = run.options.concurrency
  const crew: Crew = { target: n, active: n }
  const workers = Array.from({ length: n }, () => worker(run, crew))
  void Promise.all(workers).then(() => run.startsDone())
}
