import { randomSeed } from '../random.js'
import { announceLoadReport, loadRunStarted } from './announce.js'
import { driveClosed } from './closed.js'
import { createMix } from './mix.js'
import { driveOpen } from './open.js'
import { type LoadOptions, resolveLoadOptions } from './options.js'
import { partOptions } from './part-options.js'
import { LoadReport } from './report.js'
import { type LoadPart, LoadRun } from './run.js'
import type { LoadTarget } from './task.js'
import { checkThreads, type ThreadTask } from './thread-task.js'
import { runOnThreads } from './threads.js'

/**
 * Drives load at any async function, or a weighted mix of tagged functions, and reports what it measured.
 *
 * Closed model (`concurrency`): N calls in flight. Open model (`rate`): calls arrive at a rate per second
 * or a profile (`rampRate`, `stepRates`, `exponentialRate`, `poissonArrivals`), and latency counts from
 * when each call should have started, so a stall shows instead of hiding in the gaps (coordinated
 * omission). Every run is bounded in count and time, cancellable with `signal`, and seeded. Wrong
 * options reject with a `FaultlineArgumentError` naming the option.
 *
 * With `threads: n`, the run is spread over n worker threads (its task named with `threadTask`), so a
 * load bigger than one core can drive is one run, in one report.
 *
 * @example
 * // 50 calls in flight for 5 s
 * const report = await load(() => fetch(url), { concurrency: 50, duration: 5_000 })
 *
 * @example
 * // ramp from 0 to 200 arrivals/s over 10 s, a weighted mix of tasks
 * const report = await load(
 *   [
 *     { tag: 'login', weight: 10, run: login },
 *     { tag: 'read', weight: 90, run: read },
 *   ],
 *   { rate: rampRate(0, 200, 10_000), seed: 42 },
 * )
 * report.tag('login').p95
 *
 * @example
 * // 8,000 arrivals/s on 4 threads: the task is exported by tasks.ts
 * const report = await load(threadTask(new URL('./tasks.ts', import.meta.url), 'read'), {
 *   rate: 8_000,
 *   duration: 10_000,
 *   threads: 4,
 * })
 */
export function load(target: LoadTarget | ThreadTask, options: LoadOptions): Promise<LoadReport> {
  // Bad input rejects, like every other entry point, so `await expect(load(...)).rejects` sees it.
  try {
    const threads = checkThreads(target, (options as { threads?: unknown } | undefined)?.threads, load)
    if (threads !== undefined) return loadOnThreads(target as ThreadTask, options, threads)
    return loadPart(target as LoadTarget, options)
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * One part of a load run spread over threads (`part`), or a whole run: what `load` runs, and what each
 * thread of a threaded run runs. For engines built on core's (`@faultline/http` spreads `httpLoad` with
 * it); tests call `load`.
 *
 * @example
 * const report = await loadPart(task, partOptions(options, { index: 0, of: 2 }), { index: 0, of: 2 })
 */
export function loadPart(target: LoadTarget, options: LoadOptions, part?: LoadPart): Promise<LoadReport> {
  try {
    const mix = createMix(target, load)
    const resolved = resolveLoadOptions(options, load)
    const run = new LoadRun(resolved, mix, resolved.seed ?? randomSeed(), part)
    return run.execute(resolved.model === 'open' ? driveOpen : driveClosed)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** What a thread of `load`'s threaded run is handed (see thread-part.ts). */
export interface CorePart {
  readonly task: { readonly module: string; readonly export: string }
  readonly options: LoadOptions
  readonly part: LoadPart
}

async function loadOnThreads(task: ThreadTask, options: LoadOptions, threads: number): Promise<LoadReport> {
  resolveLoadOptions(options, load) // every option checked here, before a thread starts
  const seed = options.seed ?? randomSeed()
  const parts: CorePart[] = Array.from({ length: threads }, (_, index) => {
    const part = { index, of: threads }
    return {
      task: { module: task.module, export: task.export },
      options: partOptions({ ...options, seed }, part, load),
      part,
    }
  })
  return runThreadedLoad(new URL('./thread-part.js', import.meta.url), parts, options)
}

/**
 * Runs the parts of one load run on worker threads (`entry`'s `runPart` returns each part's report as
 * JSON) and merges them into one report, laid over one another from their starts, with the faults of
 * `options.timeline`; announced like any run's. For engines that spread a run over threads.
 *
 * @example
 * const report = await runThreadedLoad(new URL('./thread-part.js', import.meta.url), parts, options)
 */
export async function runThreadedLoad(
  entry: URL,
  parts: readonly unknown[],
  options: Pick<LoadOptions, 'signal' | 'stop' | 'timeline'>,
): Promise<LoadReport> {
  const measured = loadRunStarted()
  try {
    const reports = await runOnThreads(entry, parts, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.stop ? { stop: options.stop } : {}),
    })
    let report = LoadReport.merge(
      reports.map((json) => LoadReport.fromJSON(json as Parameters<typeof LoadReport.fromJSON>[0])),
      { align: 'start' },
    )
    if (options.timeline) report = report.withTimeline(options.timeline)
    announceLoadReport(report)
    return report
  } finally {
    measured()
  }
}
