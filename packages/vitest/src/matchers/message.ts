// The one helper every Faultline matcher builds its messages with, so they all read alike: a hint line
// naming the assertion, a blank line, the quantified lines (measured vs limit, samples, window, seed),
// then `Hint:` lines.
import { formatCount, formatSeconds, type LoadReport } from '@faultline/core'

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
 * How many samples a finding rests on and where they come from, e.g.
 * `1,200 requests tagged login (window 0.0-10.0 s, seed 42)`.
 */
export function samples(report: LoadReport, count: number = report.count): string {
  const tag = report.tagName === undefined ? '' : ` tagged ${report.tagName}`
  return `${formatCount(count)} ${report.unit}${tag} (${where(report)})`
}

/** The window and seed of a report, e.g. `window 0.0-10.0 s, seed 42`. */
export function where(report: LoadReport): string {
  const window = `window ${formatSeconds(report.windowStartMs)}-${formatSeconds(report.windowStartMs + report.durationMs)} s`
  return report.seed === undefined ? window : `${window}, seed ${report.seed}`
}

/** `>`, `<` or `=`: how a measured value stands against its limit. */
export function relation(measured: number, limit: number): string {
  if (measured > limit) return '>'
  if (measured < limit) return '<'
  return '='
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
