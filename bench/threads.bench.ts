// Load on every core. Results: bench/results/threads.json. Run with `npm run bench -- threads` after
// `npm run build`.
//
// An open-model run of a task that takes 0.2 ms of CPU per call (bench/fixtures/burn.ts), so one thread
// holds about 5,000 calls a second at most, on 1 and on 2 worker threads (`load(threadTask(...), {
// threads })`), for a ladder of arrival rates: the rate held (calls completed per second of load), the
// drops and the scheduling lag p99 of each. The figure judged is the highest rate each holds (within 1 %,
// nothing dropped or failed), as a ratio 2 threads / 1 thread measured in this run; the lag is recorded
// beside it (a thread busy with its calls starts the next ones late). Target on a
// 2-core machine: >= 1.5 (2.0 is two idle cores; the calling thread and the OS take their share).
//    Env: BENCH_THREAD_RATES (default 2000,3000,4000,5000,6000,7000,8000), BENCH_THREAD_SECONDS (3).
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { load, threadTask } from '@faultline/core'
import { round } from './support.ts'

const here = dirname(fileURLToPath(import.meta.url))
const loadavgAtStart = loadavg().map((x) => round(x, 2))
const rates = (process.env.BENCH_THREAD_RATES ?? '2000,3000,4000,5000,6000,7000,8000').split(',').map(Number)
const seconds = Number(process.env.BENCH_THREAD_SECONDS ?? 3)
const task = threadTask(new URL('./fixtures/burn.ts', import.meta.url), 'burn')

async function run(rate: number, threads: number) {
  const report = await load(task, { rate, duration: seconds * 1000, threads, seed: 1, gracefulStop: 2_000 })
  const held = report.completed / (report.activeMs / 1000)
  const lagP99Ms = report.schedulingLag?.percentile(99) ?? Number.NaN
  return {
    rate,
    threads,
    held: Math.round(held),
    heldRatio: round(held / rate, 4),
    dropped: report.dropped,
    errors: report.errors,
    lagP99Ms: round(lagP99Ms, 2),
    ok: held >= 0.99 * rate && report.errors === 0,
  }
}

const steps: Awaited<ReturnType<typeof run>>[] = []
for (const rate of rates) {
  for (const threads of [1, 2]) {
    const step = await run(rate, threads)
    steps.push(step)
    console.log(
      `  ${String(rate).padStart(5)}/s on ${threads} thread${threads > 1 ? 's' : ' '}: held ${step.held}/s (${(step.heldRatio * 100).toFixed(1)} %), dropped ${step.dropped}, lag p99 ${step.lagP99Ms} ms${step.ok ? '' : '  (not held)'}`,
    )
  }
}

const highest = (threads: number) =>
  Math.max(0, ...steps.filter((s) => s.threads === threads && s.ok).map((s) => s.rate))
const one = highest(1)
const two = highest(2)
const ratio = one > 0 ? round(two / one, 3) : null
const result = {
  bench: 'threads',
  machine: { cpus: cpus().length, loadavgAtStart, loadavgAtEnd: loadavg().map((x) => round(x, 2)) },
  task: 'bench/fixtures/burn.ts: 0.2 ms of CPU per call',
  secondsPerRun: seconds,
  steps,
  highestRateHeld: { oneThread: one, twoThreads: two },
  twoThreadsVsOne: ratio,
  target: 'two threads hold >= 1.5 x the rate one thread holds (2 cores)',
  pass: ratio !== null && ratio >= 1.5,
}
writeFileSync(join(here, 'results/threads.json'), `${JSON.stringify(result, null, 2)}\n`)
console.log(
  `threads: highest rate held ${one}/s on 1 thread, ${two}/s on 2: ${ratio ?? '-'} x (target >= 1.5) ${result.pass ? 'PASS' : 'FAIL'}`,
)
