// The one helper every Faultline matcher builds its messages with, so they all read alike: a hint line
// naming the assertion, a blank line, the quantified lines (measured vs limit, samples, window, seed),
// then `Hint:` lines.
import { formatCount, formatMs, formatSeconds, type LoadReport } from '@faultline/core'

/** The parts of a matcher message. */
export interface MessageParts {
  /** What the matcher was called on, for the head line: `report` (default), `history`, `monitor`, `fn`… */
  readonly subject?: string
  /** The matcher's name, e.g. `toHavePercentileBelow`. */
  readonly matcher: string
  /** Its arguments as the user would write them, e.g. `95, 500`. */
  readonly args: string
  readonly isNot: boolean
  /** What was expected and measured, one finding per line. */
  readonly lines: readonly string[]
  readonly hints?: readonly string[]
}

/**
 * Builds a matcher message.
 *
 * @example
 * message({ matcher: 'toHavePercentileBelow', args: '95, 500', isNot: false,
 *   lines: ['p95 812 ms > 500 ms over 1,200 requests (window 0.0-10.0 s, seed 42)'] })
 * // expect(report).toHavePercentileBelow(95, 500)
 * //
 * // p95 812 ms > 500 ms over 1,200 requests (window 0.0-10.0 s, seed 42)
 */
export function message(parts: MessageParts): string {
  const head = `expect(${parts.subject ?? 'report'})${parts.isNot ? '.not' : ''}.${parts.matcher}(${parts.args})`
  return [head, '', ...parts.lines, ...(parts.hints ?? []).map((h) => `Hint: ${h}`)].join('\n')
}

/**
 * How many samples a finding rests on, its floor and where they come from, e.g.
 * `1,200 requests tagged login (floor 20, window 0.0-10.0 s, seed 42)`.
 */
export function samples(report: LoadReport, count: number = report.count, floor?: number): string {
  const tag = report.tagName === undefined ? '' : ` tagged ${report.tagName}`
  const needed = floor === undefined ? '' : `floor ${formatCount(floor)}, `
  return `${formatCount(count)} ${report.unit}${tag} (${needed}${where(report)})`
}

/** The window and seed of a report, e.g. `window 0.0-10.0 s, seed 42`. */
export function where(report: LoadReport): string {
  const window = `window ${formatSeconds(report.windowStartMs)}-${formatSeconds(report.windowStartMs + report.durationMs)} s`
  return report.seed === undefined ? window : `${window}, seed ${report.seed}`
}

/**
 * The one strictness rule of every matcher. A ceiling (latency, error rate, a monitored value, growth)
 * passes when the measured value is at or below it; a floor (throughput) when it is at or above it.
 */
export type Bound = 'ceiling' | 'floor'

/** Whether `measured` meets `limit` under the strictness rule. */
export function meets(measured: number, limit: number, bound: Bound): boolean {
  return bound === 'ceiling' ? measured <= limit : measured >= limit
}

/** The relation words of the rule: `<=` / `>` for a ceiling, `>=` / `<` for a floor. */
export function relation(measured: number, limit: number, bound: Bound): string {
  if (bound === 'ceiling') return measured <= limit ? '<=' : '>'
  return measured >= limit ? '>=' : '<'
}

/** What `.not` expected instead: `> 500 ms` for a ceiling of 500 ms, `< 100/s` for a floor. */
export function opposite(bound: Bound): string {
  return bound === 'ceiling' ? '>' : '<'
}

/**
 * `measured relation limit`, each formatted; when both print alike but differ, the measured value says
 * on which side it fell, so a message never reads `500 ms > 500 ms` without a reason.
 *
 * @example
 * versus(500.3, 500, 'ceiling', formatMs) // '500 ms (just above) > 500 ms'
 */
export function versus(measured: number, limit: number, bound: Bound, format: (n: number) => string): string {
  let shown = format(measured)
  if (shown === format(limit) && measured !== limit) {
    shown += measured > limit ? ' (just above)' : ' (just below)'
  }
  return `${shown} ${relation(measured, limit, bound)} ${format(limit)}`
}

/** Milliseconds, with `unbounded` for a percentile that dropped arrivals pushed past every latency. */
export function latency(ms: number): string {
  return ms === Number.POSITIVE_INFINITY ? 'unbounded' : formatMs(ms)
}

/** Formats an argument list for the hint line, e.g. `95, 500` or `{ p95: 500, errorRate: 0.01 }`. */
export function args(...values: readonly unknown[]): string {
  return values
    .filter((v) => v !== undefined)
    .map((v) =>
      typeof v === 'object' && v !== null
        ? `{ ${Object.entries(v)
            .map(([k, x]) => `${k}: ${String(x)}`)
            .join(', ')} }`
        : String(v),
    )
    .join(', ')
}
