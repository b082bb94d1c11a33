// The one helper every Faultline matcher builds its messages with, so they all read alike: a hint line
// naming the assertion, a blank line, the quantified lines (measured vs limit, samples, window, seed),
// then `Hint:` lines. Public (`@faultline/vitest/matchers`): a project's own matchers read the same.
import { formatCount, formatMs, formatSeconds, type LoadReport } from '@faultline/core'
import type { MatcherState } from 'vitest'
import { attachChart, type ChartRequest } from '../report/attach.js'

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
  /** The path of the run's chart (from {@link attachChart}): the message ends with `Chart: <path>`. */
  readonly chart?: string | undefined
}

/**
 * Builds a matcher message: the assertion as written (with `.not` when negated), a blank line, `lines`,
 * then one `Hint: …` line per hint. Most matchers want {@link verdict}, which also writes the `.not` branch.
 *
 * @example
 * import { message } from '@faultline/vitest/matchers'
 *
 * message({ matcher: 'toHavePercentileBelow', args: '95, 500', isNot: false,
 *   lines: ['p95 812 ms > 500 ms over 1,200 requests (window 0.0-10.0 s, seed 42)'] })
 * // expect(report).toHavePercentileBelow(95, 500)
 * //
 * // p95 812 ms > 500 ms over 1,200 requests (window 0.0-10.0 s, seed 42)
 */
export function message(parts: MessageParts): string {
  const head = `expect(${parts.subject ?? 'report'})${parts.isNot ? '.not' : ''}.${parts.matcher}(${parts.args})`
  const chart = parts.chart === undefined ? [] : [`Chart: ${parts.chart}`]
  return [head, '', ...parts.lines, ...(parts.hints ?? []).map((h) => `Hint: ${h}`), ...chart].join('\n')
}

/** What {@link verdict} needs besides the matcher's state. */
export interface VerdictParts {
  /** The matcher's name as registered, e.g. `toHaveNoRetryStorm`. */
  readonly matcher: string
  /** What it was called on, for the head line: `report` (default), `upstream`, `redis`… */
  readonly subject?: string
  /** Its arguments as the user wrote them: a string, or the values ({@link formatArgs} writes them). */
  readonly args: string | readonly unknown[]
  readonly pass: boolean
  /** What was measured against what limit, over how many samples, e.g. `p95 812 ms > 500 ms over …`. */
  readonly finding: string
  /**
   * What `.not` expected instead, e.g. `p95 > 500 ms`: when the matcher passed, the finding ends with
   * `, expected p95 > 500 ms` (the message Vitest shows for a failed `.not`).
   */
  readonly notExpected: string
  /** Lines after the finding, shown either way: what was counted (drops, failed samples, the history). */
  readonly lines?: readonly string[]
  /** `Hint:` lines, shown only when the matcher failed: the likely cause and the fix. */
  readonly hints?: readonly string[]
  /**
   * The report judged and the limit it was judged against: its chart, with the limit dashed, is written
   * under `reports/charts/` and attached to the test, and the message ends with `Chart: <path>`
   * (nothing outside a test, or with `FAULTLINE_CHARTS=0`).
   */
  readonly chart?: ChartRequest
  /** For Vitest's diff. */
  readonly actual?: unknown
  readonly expected?: unknown
}

/** What a matcher returns to Vitest. */
export interface VerdictResult {
  readonly pass: boolean
  readonly message: () => string
  readonly actual?: unknown
  readonly expected?: unknown
}

/**
 * A matcher's result with both messages written in full: when it failed, the finding and the hints; when
 * it passed (so `.not` failed), the finding and what `.not` expected instead. Every Faultline matcher with
 * one finding returns through it.
 *
 * @example
 * import { verdict } from '@faultline/vitest/matchers'
 * import type { MatcherState } from 'vitest'
 *
 * export function toHaveAtMostRows(this: MatcherState, received: { rows: unknown[] }, n: number) {
 *   const pass = received.rows.length <= n
 *   return verdict(this, {
 *     matcher: 'toHaveAtMostRows', subject: 'result', args: [n], pass,
 *     finding: `${received.rows.length} rows ${pass ? '<=' : '>'} ${n}`,
 *     notExpected: `more than ${n} rows`,
 *     hints: ['a missing WHERE clause?'],
 *   })
 * }
 */
export function verdict(state: Pick<MatcherState, 'isNot'>, parts: VerdictParts): VerdictResult {
  const { pass } = parts
  const args = typeof parts.args === 'string' ? parts.args : formatArgs(...parts.args)
  const chart =
    parts.chart === undefined
      ? undefined
      : attachChart(state, parts.chart, {
          assertion: `expect(${parts.subject ?? 'report'})${state.isNot ? '.not' : ''}.${parts.matcher}(${args})`,
          held: pass !== Boolean(state.isNot),
          finding: parts.finding,
        })
  return {
    pass,
    message: () =>
      message({
        subject: parts.subject,
        matcher: parts.matcher,
        args,
        isNot: state.isNot,
        lines: [
          pass ? `${parts.finding}, expected ${parts.notExpected}` : parts.finding,
          ...(parts.lines ?? []),
        ],
        hints: pass ? [] : parts.hints,
        chart,
      }),
    actual: parts.actual,
    expected: parts.expected,
  }
}

/**
 * How many samples of a report a finding rests on, its floor and where they come from, e.g.
 * `1,200 requests tagged login (floor 20, window 0.0-10.0 s, seed 42)`.
 *
 * @example
 * `p95 ${formatMs(p95)} over ${formatSamples(report, report.latency.count, 20)}`
 */
export function formatSamples(report: LoadReport, count: number = report.count, floor?: number): string {
  const tag = report.tagName === undefined ? '' : ` tagged ${report.tagName}`
  const needed = floor === undefined ? '' : `floor ${formatCount(floor)}, `
  return `${formatCount(count)} ${report.unit}${tag} (${needed}${formatWindow(report)})`
}

/**
 * The window and seed of a report, e.g. `window 0.0-10.0 s, seed 42`; of a merged report, how many runs
 * and every seed: `window 0.0-10.0 s, 3 runs merged, seeds 1, 2, 3`.
 *
 * @example
 * formatWindow(report) // 'window 0.0-10.0 s, seed 42'
 */
export function formatWindow(report: LoadReport): string {
  const window = `window ${formatSeconds(report.windowStartMs)}-${formatSeconds(report.windowStartMs + report.durationMs)} s`
  if (report.runs > 1) {
    const seeds = report.seeds.length === 0 ? '' : `, seeds ${report.seeds.join(', ')}`
    return `${window}, ${report.runs} runs merged${seeds}`
  }
  return report.seed === undefined ? window : `${window}, seed ${report.seed}`
}

/**
 * The one strictness rule of every matcher. A ceiling (latency, error rate, a monitored value, growth)
 * passes when the measured value is at or below it; a floor (throughput) when it is at or above it.
 */
export type Bound = 'ceiling' | 'floor'

/**
 * Whether `measured` meets `limit` under the strictness rule.
 *
 * @example
 * meets(500, 500, 'ceiling') // true: at the limit passes
 */
export function meets(measured: number, limit: number, bound: Bound): boolean {
  return bound === 'ceiling' ? measured <= limit : measured >= limit
}

/**
 * The relation words of the rule: `<=` / `>` for a ceiling, `>=` / `<` for a floor.
 *
 * @example
 * relation(812, 500, 'ceiling') // '>'
 */
export function relation(measured: number, limit: number, bound: Bound): string {
  if (bound === 'ceiling') return measured <= limit ? '<=' : '>'
  return measured >= limit ? '>=' : '<'
}

/**
 * What `.not` expected instead: `>` for a ceiling (`> 500 ms`), `<` for a floor (`< 100/s`).
 *
 * @example
 * `p95 ${opposite('ceiling')} ${formatMs(500)}` // 'p95 > 500 ms'
 */
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

/**
 * Milliseconds, with `unbounded` for a percentile that dropped arrivals pushed past every latency.
 *
 * @example
 * formatLatency(Number.POSITIVE_INFINITY) // 'unbounded'
 */
export function formatLatency(ms: number): string {
  return ms === Number.POSITIVE_INFINITY ? 'unbounded' : formatMs(ms)
}

/**
 * Formats an argument list for the head line; `undefined` ones are left out.
 *
 * @example
 * formatArgs(95, 500) // '95, 500'
 * formatArgs({ p95: 500, errorRate: 0.01 }) // '{ p95: 500, errorRate: 0.01 }'
 */
export function formatArgs(...values: readonly unknown[]): string {
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
