import { FaultlineArgumentError, formatCount, formatMs } from '@faultline/core'
import type { MatcherState, SyncMatcherResult } from 'vitest'
import { messageAbout } from './call-input.js'
import { args } from './message.js'

/** A request as an upstream stub logs it (`@faultline/http`); only `at` is required. */
export interface LoggedRequest {
  /** When it arrived, epoch ms. */
  readonly at: number
  readonly method?: string
  readonly url?: string
  readonly behaviour?: string
}

/** A span of time, epoch ms; an open one (no `to`) lasts until now. */
export interface TimeWindow {
  readonly from: number
  readonly to?: number | undefined
}

/** Which requests to count. */
export interface ReceivedOptions {
  /** Only requests that arrived in this window or these windows (e.g. `breaker.windows('open')`). */
  readonly during?: TimeWindow | readonly TimeWindow[]
  /** Only requests for which this returns true (e.g. one path). */
  readonly where?: (request: LoggedRequest) => boolean
}

function toLog(received: unknown): { name: string; requests: readonly LoggedRequest[] } {
  const log = received as { name?: unknown; requests?: unknown } | null
  if (
    !log ||
    !Array.isArray(log.requests) ||
    log.requests.some((r) => typeof (r as LoggedRequest)?.at !== 'number')
  ) {
    throw new FaultlineArgumentError(
      'received',
      'toHaveReceivedAtMost expects an upstream stub (startUpstream from @faultline/http) or { requests: [{ at }] }',
    )
  }
  return {
    name: typeof log.name === 'string' ? log.name : 'upstream',
    requests: log.requests as LoggedRequest[],
  }
}

function windows(during: ReceivedOptions['during']): readonly TimeWindow[] | undefined {
  if (during === undefined) return undefined
  const list: readonly TimeWindow[] = Array.isArray(during) ? during : [during as TimeWindow]
  for (const w of list) {
    if (typeof w?.from !== 'number' || (w.to !== undefined && (typeof w.to !== 'number' || w.to < w.from))) {
      throw new FaultlineArgumentError(
        'options.during',
        'must be { from, to? } windows in epoch ms with to >= from',
      )
    }
  }
  return list
}

/** `GET /v1/chat 30, POST /v1/embed 7`: the most frequent requests first, at most four kinds. */
function breakdown(requests: readonly LoggedRequest[]): string {
  const counts = new Map<string, number>()
  for (const r of requests) {
    const key = [r.method, r.url?.split('?')[0]].filter(Boolean).join(' ') || 'request'
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1])
  const shown = sorted.slice(0, 4).map(([k, n]) => `${k} ${formatCount(n)}`)
  return sorted.length > 4 ? `${shown.join(', ')}, …` : shown.join(', ')
}

/**
 * Passes when the upstream received at most `n` requests (in `during`, matching `where`): no retry storm
 * (`messages x max retries`), no call through an open breaker (`0` during its open windows).
 *
 * @example
 * expect(upstream).toHaveReceivedAtMost(messages * (1 + maxRetries))
 * expect(upstream).toHaveReceivedAtMost(0, { during: breaker.windows('open') })
 */
export function toHaveReceivedAtMost(
  this: MatcherState,
  received: unknown,
  n: number,
  options: ReceivedOptions = {},
): SyncMatcherResult {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new FaultlineArgumentError('n', `must be a whole number of requests >= 0, got ${String(n)}`)
  }
  const log = toLog(received)
  const spans = windows(options.during)
  // The clock upstream stubs and breaker observers stamp with (Date.now() drifts from it in long runs).
  const now = performance.timeOrigin + performance.now()
  const counted = log.requests.filter(
    (r) =>
      (spans === undefined || spans.some((w) => r.at >= w.from && r.at <= (w.to ?? now))) &&
      (options.where === undefined || options.where(r)),
  )
  const pass = counted.length <= n
  const given = (['during', 'where'] as const).filter((k) => options[k] !== undefined)
  const scope = [
    spans === undefined
      ? ''
      : ` during ${spans.length === 1 ? 'the window' : `${formatCount(spans.length)} windows`} (${formatMs(spans.reduce((sum, w) => sum + ((w.to ?? now) - w.from), 0))} in all)`,
    options.where === undefined ? '' : ' matching `where`',
  ].join('')
  const first = counted[0]
  const last = counted[counted.length - 1]
  const span = first && last ? `, over ${formatMs(last.at - first.at)}` : ''
  const finding = `${log.name} received ${formatCount(counted.length)} request${counted.length === 1 ? '' : 's'}${scope} ${pass ? '<=' : '>'} ${formatCount(n)} (${formatCount(log.requests.length)} in its log${span})`
  const hints: string[] = []
  if (counted.length > 0) hints.push(`requests: ${breakdown(counted)}`)
  if (!pass && spans !== undefined && n === 0) {
    hints.push(
      'calls reached the upstream in these windows: is the breaker shared by every caller, and checked before the call?',
    )
  } else if (!pass) {
    hints.push('a retry storm? cap the retries, back off with jitter, and stop retrying once a breaker opens')
  }
  return {
    pass,
    message: () =>
      messageAbout('upstream', {
        matcher: 'toHaveReceivedAtMost',
        args: args(n, given.length === 0 ? undefined : `{ ${given.join(', ')} }`),
        isNot: this.isNot,
        lines: pass ? [`${finding}, expected more than ${formatCount(n)}`] : [finding],
        hints,
      }),
    actual: counted.length,
    expected: n,
  }
}
