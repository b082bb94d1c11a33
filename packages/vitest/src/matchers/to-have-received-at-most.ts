import { checkNumber, formatCount, formatMs, now } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { formatArgs, type VerdictResult, verdict } from './message.js'
import {
  asRequestLog,
  checkWindows,
  formatRequests,
  type LoggedRequest,
  type TimeWindow,
  within,
} from './request-log-input.js'

/** Which requests to count. */
export interface ReceivedOptions {
  /** Only requests that arrived in this window or these windows (e.g. `breaker.windows('open')`). */
  readonly during?: TimeWindow | readonly TimeWindow[]
  /** Only requests for which this returns true (e.g. one path). */
  readonly where?: (request: LoggedRequest) => boolean
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
): VerdictResult {
  checkNumber(n, 'n', { integer: true, min: 0, unit: 'requests' })
  const log = asRequestLog(received, 'toHaveReceivedAtMost')
  const spans = checkWindows(options.during, 'options.during')
  // The clock upstream stubs and breaker observers stamp with.
  const until = now()
  const counted = log.requests.filter(
    (r) => within(r, spans, until) && (options.where === undefined || options.where(r)),
  )
  const pass = counted.length <= n
  const given = (['during', 'where'] as const).filter((k) => options[k] !== undefined)
  const scope = [
    spans === undefined
      ? ''
      : ` during ${spans.length === 1 ? 'the window' : `${formatCount(spans.length)} windows`} (${formatMs(spans.reduce((sum, w) => sum + ((w.to ?? until) - w.from), 0))} in all)`,
    options.where === undefined ? '' : ' matching `where`',
  ].join('')
  const first = counted[0]
  const last = counted[counted.length - 1]
  const span = first && last ? `, over ${formatMs(last.at - first.at)}` : ''
  const finding = `${log.name} received ${formatCount(counted.length)} request${counted.length === 1 ? '' : 's'}${scope} ${pass ? '<=' : '>'} ${formatCount(n)} (${formatCount(log.requests.length)} in its log${span})`
  const hints: string[] = []
  if (counted.length > 0) hints.push(`requests: ${formatRequests(counted)}`)
  if (!pass && spans !== undefined && n === 0) {
    hints.push(
      'calls reached the upstream in these windows: is the breaker shared by every caller, and checked before the call?',
    )
  } else if (!pass) {
    hints.push('a retry storm? cap the retries, back off with jitter, and stop retrying once a breaker opens')
  }
  return verdict(this, {
    matcher: 'toHaveReceivedAtMost',
    subject: 'upstream',
    args: formatArgs(n, given.length === 0 ? undefined : `{ ${given.join(', ')} }`),
    pass,
    finding,
    notExpected: `more than ${formatCount(n)}`,
    hints,
    actual: counted.length,
    expected: n,
  })
}
