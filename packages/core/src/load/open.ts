import { arrivalSchedule } from './arrivals.js'
import type { LoadRun } from './run.js'

// Below this many ms to the next arrival, spin on setImmediate instead of a timer: timers fire late by
// up to a millisecond, which would show up as scheduling lag.
const SPIN_BELOW_MS = 2

/**
 * Open model: arrivals follow the rate profile whatever the system does. Every due arrival starts at
 * once (late ones are late, and their latency counts from when they were due); arrivals that find
 * `maxInFlight` calls running are dropped.
 */
export function driveOpen(run: LoadRun): void {
  const next = arrivalSchedule(run.options.rate, run.random, run.options.startWindowMs)
  let due = next()
  const tick = (): void => {
    if (run.stopped) return
    let now = run.now()
    while (due !== undefined && due <= now) {
      if (!run.canStart(due)) return
      const index = run.issued++
      const picked = run.pick()
      if (run.inFlight.size >= run.options.maxInFlight) {
        run.drop(due, picked.tag)
      } else {
        run.recorder.lag(now - due)
        void run.launch(index, due, picked)
      }
      due = next()
      now = run.now()
    }
    if (due === undefined) {
      run.startsDone()
      return
    }
    const wait = due - now
    if (wait > SPIN_BELOW_MS) run.timer(tick, wait - 1)
    else setImmediate(tick)
  }
  tick()
}
