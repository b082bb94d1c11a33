// A load task that can run on worker threads: functions do not cross threads, so a threaded run names
// its task by the module that exports it and the export's name; each thread imports it.
import { describeValue } from '../describe-value.js'
import { FaultlineArgumentError } from '../errors.js'
import type { Callee } from '../validate.js'

const brand = Symbol.for('faultline.thread-task')

/** A task named by its module and export, for `load(task, { threads })`: see `threadTask`. */
export interface ThreadTask {
  readonly [brand]: true
  /** The module's URL (`file:`), as `import.meta.url`-relative `new URL(...)` gives it. */
  readonly module: string
  /** The export: a task function, or an array of `{ tag, weight, run }` (a weighted mix). */
  readonly export: string
}

/**
 * Names a load task by the module that exports it, so that `load(task, { threads: n })` can run it on n
 * worker threads (each imports the module). The export is a task function or a weighted mix.
 *
 * @example
 * // tasks.ts: export async function checkout({ index }: LoadTaskContext) { ... }
 * const report = await load(threadTask(new URL('./tasks.ts', import.meta.url), 'checkout'), {
 *   rate: 4_000,
 *   duration: 10_000,
 *   threads: 4,
 * })
 */
export function threadTask(module: URL | string, exportName = 'default'): ThreadTask {
  let url: URL
  try {
    url = new URL(String(module))
  } catch {
    throw new FaultlineArgumentError(
      'module',
      `expected the module's URL, e.g. new URL('./tasks.ts', import.meta.url), got ${describeValue(module)}`,
      threadTask,
    )
  }
  if (typeof exportName !== 'string' || exportName === '')
    throw new FaultlineArgumentError(
      'exportName',
      `expected an export's name, got ${describeValue(exportName)}`,
      threadTask,
    )
  return { [brand]: true, module: url.href, export: exportName }
}

/** True for a task made by `threadTask`. */
export function isThreadTask(value: unknown): value is ThreadTask {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

/**
 * The threads a run asks for (`options.threads`): undefined for none (the calling thread), else an
 * integer >= 1; a function task with threads, or a thread task without, is refused with the fix.
 */
export function checkThreads(target: unknown, threads: unknown, callee: Callee): number | undefined {
  if (threads === undefined) {
    if (isThreadTask(target))
      throw new FaultlineArgumentError(
        'options.threads',
        `a threadTask runs on worker threads: give options.threads (1 or more), or pass the function itself`,
        callee,
      )
    return undefined
  }
  if (typeof threads !== 'number' || !Number.isSafeInteger(threads) || threads < 1)
    throw new FaultlineArgumentError(
      'options.threads',
      `expected an integer >= 1, got ${describeValue(threads)}`,
      callee,
    )
  if (!isThreadTask(target))
    throw new FaultlineArgumentError(
      'target',
      `functions do not cross to worker threads: export the task from a module and pass threadTask(new URL('./tasks.ts', import.meta.url), 'name')`,
      callee,
    )
  return threads
}
