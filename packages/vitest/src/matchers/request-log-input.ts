// Input checks and wording shared by the matchers over request logs: an upstream stub
// (`startUpstream` from @faultline/http) or any `{ requests: [{ at }] }`. Public (`@faultline/vitest/matchers`).
import { describeValue, FaultlineArgumentError, formatCount, now } from '@faultline/core'

/** A request as an upstream stub logs it (`@faultline/http`); only `at` is required. */
export interface LoggedRequest {
  /** When it arrived, epoch ms (core's `now()`). */
  readonly at: number
  readonly method?: string
  readonly url?: string
  readonly behaviour?: string
  readonly status?: number | undefined
}

/** A request log and the name to show it by (the stub's `name`, or `upstream`). */
export interface RequestLogInput {
  readonly name: string
  readonly requests: readonly LoggedRequest[]
}

/** A span of time, epoch ms; an open one (no `to`) lasts until now. */
export interface TimeWindow {
  readonly from: number
  readonly to?: number | undefined
}

/**
 * `received` as a request log — an upstream stub, or `{ name?, requests: [{ at, … }] }` — or an error
 * naming what the matcher got instead.
 *
 * @example
 * import { asRequestLog } from '@faultline/vitest/matchers'
 * const log = asRequestLog(upstream, 'toHaveNoRetryStorm')
 * log.requests.length // every request the stub received
 */
export function asRequestLog(received: unknown, matcher: string): RequestLogInput {
  const log = received as { name?: unknown; requests?: unknown } | null
  if (
    !log ||
    !Array.isArray(log.requests) ||
    log.requests.some((r) => typeof (r as LoggedRequest)?.at !== 'number')
  ) {
    throw new FaultlineArgumentError(
      'received',
      `${matcher} expects an upstream stub (startUpstream from @faultline/http) or { requests: [{ at }] }, got ${describeValue(received)}`,
    )
  }
  return {
    name: typeof log.name === 'string' ? log.name : 'upstream',
    requests: log.requests as LoggedRequest[],
  }
}

/**
 * Checks `during` (one window or several, e.g. `breaker.windows('open')`): undefined, or windows in epoch
 * ms with `to >= from`.
 *
 * @example
 * const spans = checkWindows(options.during, 'options.during')
 */
export function checkWindows(
  during: TimeWindow | readonly TimeWindow[] | undefined,
  argument: string,
): readonly TimeWindow[] | undefined {
  if (during === undefined) return undefined
  const list: readonly TimeWindow[] = Array.isArray(during) ? during : [during as TimeWindow]
  for (const w of list) {
    if (typeof w?.from !== 'number' || (w.to !== undefined && (typeof w.to !== 'number' || w.to < w.from))) {
      throw new FaultlineArgumentError(
        argument,
        `expected { from, to? } windows in epoch ms with to >= from, got ${describeValue(during)}`,
      )
    }
  }
  return list
}

/**
 * Whether a request arrived in one of `windows` (every request when undefined); an open window lasts until
 * `until` (default: now).
 *
 * @example
 * log.requests.filter((r) => within(r, breaker.windows('open')))
 */
export function within(
  request: LoggedRequest,
  windows: readonly TimeWindow[] | undefined,
  until: number = now(),
): boolean {
  return windows === undefined || windows.some((w) => request.at >= w.from && request.at <= (w.to ?? until))
}

/**
 * The requests by method and path, the most frequent first, at most four kinds.
 *
 * @example
 * formatRequests(log.requests) // 'GET /v1/chat 30, POST /v1/embed 7'
 */
export function formatRequests(requests: readonly LoggedRequest[]): string {
  const counts = new Map<string, number>()
  for (const r of requests) {
    const key = [r.method, r.url?.split('?')[0]].filter(Boolean).join(' ') || 'request'
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1])
  const shown = sorted.slice(0, 4).map(([k, n]) => `${k} ${formatCount(n)}`)
  return sorted.length > 4 ? `${shown.join(', ')}, …` : shown.join(', ')
}
