import { now } from './clock.js'

/** One fault on the timeline: when it was applied and, once healed, when it was healed (epoch ms, core's `now()`). */
export interface TimelineEntry {
  readonly name: string
  readonly target?: string
  readonly startedAt: number
  readonly healedAt?: number
  /** Whatever else describes the fault (direction, parameters, seed), for reports. */
  readonly details?: Readonly<Record<string, unknown>>
}

/** A fault window being recorded; `heal()` closes it (idempotent). */
export interface TimelineMark {
  readonly entry: TimelineEntry
  heal(at?: number): void
}

/**
 * When each fault started and healed, so a report can be read against them.
 *
 * @example
 * const timeline = new Timeline()
 * const mark = timeline.start('redis paused', { target: 'redis' })
 * // ... load ...
 * mark.heal()
 * timeline.entries() // [{ name: 'redis paused', target: 'redis', startedAt, healedAt }]
 */
export class Timeline {
  readonly #entries: TimelineEntry[] = []

  /** Records that a fault starts now (or at `at`, epoch ms). */
  start(
    name: string,
    options: {
      target?: string | undefined
      at?: number | undefined
      details?: Readonly<Record<string, unknown>> | undefined
    } = {},
  ): TimelineMark {
    const index = this.#entries.length
    const entry: TimelineEntry = {
      name,
      target: options.target,
      startedAt: options.at ?? now(),
      details: options.details,
    }
    this.#entries.push(entry)
    return {
      entry,
      heal: (at = now()) => {
        const current = this.#entries[index]
        if (current && current.healedAt === undefined) this.#entries[index] = { ...current, healedAt: at }
      },
    }
  }

  /** Adds a fault recorded elsewhere (e.g. by a proxy's listener), healed or not. */
  add(entry: TimelineEntry): void {
    this.#entries.push(entry)
  }

  /** Every fault so far, oldest first; open faults have no `healedAt`. */
  entries(): readonly TimelineEntry[] {
    return [...this.#entries]
  }

  /** The faults that overlap [from, to] (epoch ms). */
  between(from: number, to: number): readonly TimelineEntry[] {
    return this.#entries.filter((e) => e.startedAt <= to && (e.healedAt ?? Number.POSITIVE_INFINITY) >= from)
  }
}
