import { createRandom } from '../random.js'
import { arrivalSchedule } from './arrivals.js'
import type { LoadPart, LoadRun } from './run.js'

// Below this many ms to the next arrival, spin on setImmediate instead of a timer: timers fire late by
// up to a millisecond, which would show up as scheduling lag.
const SPIN_BELOW_MS = 2

/**
 * Open model: arrivals follow the rate profile whatever the system does. Every due arrival starts at
 * once (late ones are late, and their latency counts from when they were due); one that finds
 * `maxInFlight` calls running waits in line for a slot, and past `maxQueued` waiting it is dropped.
 */
export function driveOpen(run: LoadRun): void {
  const next = run.part
    ? share(arrivalSchedule(run.options.rate, createRandom(run.seed), run.options.startWindowMs), run.part)
    : arrivalSchedule(run.options.rate, run.random, run.options.startWindowMs)
  let due = next()
  const tick = (): void => {
    if (run.stopped) return
    let now = run.now()
    while (due !== undefined && due <= now) {
      if (!run.canStart(due)) return
      run.arrive(due, now, run.pick())
      due = next()
      now = run.now()
    }
    if (due === undefined) {
      // The schedule covers the whole start window: it ends with it. The last arrival is due before the
      // window closes, so wait the window out: the run loaded the system for its whole duration, and its
      // throughput is over that span, not up to the last arrival.
      const window = run.options.startWindowMs
      const closeWindow = (): void => {
        // Timers can fire a little early (Node starts them at the loop's cached time): re-arm until due.
        const left = window - run.now()
        if (Number.isFinite(window) && left > 0) run.timer(closeWindow, Math.ceil(left))
        else run.startsDone(window)
      }
      closeWindow()
      return
    }
    const wait = due - now
    if (wait > SPIN_BELOW_MS) run.timer(tick, wait - 1)
    else setImmediate(tick)
  }
  tick()
}

// A part of a run spread over threads takes every `of`-th arrival of the whole run's schedule, from its
// `index`-th: every thread draws the same seeded schedule, so the parts together are exactly the run's.
function share(next: () => number | undefined, part: LoadPart): () => number | undefined {
  let k = 0
  return () => {
    for (;;) {
      const due = next()
      if (due === undefined || k++ % part.of === part.index) return due
    }
  }
}
