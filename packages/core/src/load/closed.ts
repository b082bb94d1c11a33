import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { LoadRun } from './run.js'

// A worker whose task resolves at once would otherwise loop on microtasks and starve timers and I/O.
const YIELD_EVERY_MS = 5

async function worker(run: LoadRun): Promise<void> {
  let lastYield = performance.now()
  for (;;) {
    const now = run.now()
    if (!run.canStart(now)) return
    const index = run.issued++
    await run.launch(index, now, run.pick())
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await yieldToEventLoop()
      lastYield = performance.now()
    }
  }
}

/** Closed model: `concurrency` workers, each starting its next call when the previous one ends. */
export function driveClosed(run: LoadRun): void {
  const workers = Array.from({ length: run.options.concurrency }, () => worker(run))
  void Promise.all(workers).then(() => run.startsDone())
}
