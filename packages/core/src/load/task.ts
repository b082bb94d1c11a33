import type { Random } from '../random.js'

/** What a load task is handed on each call. */
export interface LoadTaskContext {
  /**
   * Aborted when the call times out (`options.timeout`), when the run is aborted, or when the run ends
   * with the call still in flight. Pass it on to `fetch` and drivers so they stop.
   */
  readonly signal: AbortSignal
  /** 0-based number of the call (of the arrival, in the open model) within the run. */
  readonly index: number
  /** The tag of the task picked from a weighted mix; undefined for a single task. */
  readonly tag: string | undefined
  /** The run's seeded random source, for task input that must be replayable. */
  readonly random: Random
}

/** One call of the load: resolves on success, throws or rejects on failure. */
export type LoadTask = (context: LoadTaskContext) => unknown

/**
 * A task in a weighted mix: picked with probability weight / sum of weights (seeded), and reported
 * under its tag (`report.tag('login')`).
 */
export interface TaggedTask {
  readonly tag: string
  readonly weight: number
  readonly run: LoadTask
}

/** What `load` drives: one function, or a weighted mix of tagged functions. */
export type LoadTarget = LoadTask | readonly TaggedTask[]
