import {
  checkNumber,
  describeValue,
  FaultlineArgumentError,
  formatCount,
  type LoadReport,
} from '@faultline/core'
import type { MatcherState } from 'vitest'
import { type Floor, LEAST_SAMPLES, requireFloors, ZERO_ERROR_RATE_FLOOR } from './floors.js'
import { formatArgs, formatSamples, type VerdictResult, verdict } from './message.js'
import { countedLines } from './outcomes.js'
import { asReport, checkSampleOptions, type SampleOptions } from './report-input.js'

/** The outcome of a successful call, beside the error kinds (`HTTP 429`, `timeout`, `dropped`…). */
export const OK_OUTCOME = 'ok'

/**
 * Outcome -> the most calls that may end with it: `ok`, or an error kind as `report.errorsByKind` names
 * it (`HTTP 429`, `ECONNRESET`, `timeout`, `dropped`).
 */
export type OutcomeLimits = Readonly<Record<string, number>>

/**
 * How many calls of a report ended with `outcome`: `ok`, or an error kind.
 *
 * @example
 * outcomeCount(report.tag('attacker'), 'HTTP 429') // 190
 */
export function outcomeCount(report: LoadReport, outcome: string): number {
  return outcome === OK_OUTCOME ? report.ok : (report.errorsByKind[outcome] ?? 0)
}

/**
 * Every outcome of a report with its count, ok first, then the error kinds most frequent first.
 *
 * @example
 * formatOutcomeCounts(report) // 'ok 10, HTTP 429 190'
 */
export function formatOutcomeCounts(report: LoadReport): string {
  const kinds = Object.entries(report.errorsByKind).map(([kind, n]) => `${kind} ${formatCount(n)}`)
  return [`${OK_OUTCOME} ${formatCount(report.ok)}`, ...kinds].join(', ')
}

/**
 * The calls a count ceiling of `limit` needs: at least 10 more than the limit, so that it could be broken;
 * a ceiling of 0 ("none blocked") needs 100, as an error rate of 0 does.
 *
 * @example
 * outcomeCountFloor(0)  // { needed: 100, ... }
 * outcomeCountFloor(10) // { needed: 20, ... }
 */
export function outcomeCountFloor(limit: number): Floor {
  if (limit === 0) return { needed: ZERO_ERROR_RATE_FLOOR, why: 'none in fewer calls says little' }
  return {
    needed: limit + LEAST_SAMPLES,
    why: `${LEAST_SAMPLES} more than the most allowed, so it could be broken`,
  }
}

function checkLimits(limits: unknown): [string, number][] {
  if (
    typeof limits !== 'object' ||
    limits === null ||
    Array.isArray(limits) ||
    Object.keys(limits).length === 0
  ) {
    throw new FaultlineArgumentError(
      'limits',
      `expected an object of outcome -> most calls, such as { 'HTTP 429': 0 } or { ok: 10 }, got ${describeValue(limits)}`,
    )
  }
  return Object.entries(limits).map(([outcome, n]) => [
    outcome,
    checkNumber(n, `limits['${outcome}']`, { integer: true, min: 0, unit: 'calls' }),
  ])
}

/**
 * Passes when, for every outcome in `limits`, at most that many calls of the report ended with it: `ok`,
 * or an error kind (`HTTP 429`, `timeout`, `dropped`…, as in `report.errorsByKind`). Per tag through
 * `report.tag(name)`: "no legitimate user blocked" and "the attacker held to the threshold" are one line
 * each. Refuses to judge a report of fewer calls than 10 more than the largest limit (100 for a limit of
 * 0); `minSamples` overrides.
 *
 * @example
 * expect(report.tag('legit')).toHaveOutcomesAtMost({ 'HTTP 429': 0 }) // no legitimate user blocked
 * expect(report.tag('attacker')).toHaveOutcomesAtMost({ ok: 20 })     // held to the threshold
 */
export function toHaveOutcomesAtMost(
  this: MatcherState,
  received: unknown,
  limits: OutcomeLimits,
  options?: SampleOptions,
): VerdictResult {
  const report = asReport(received, 'toHaveOutcomesAtMost')
  const lines = checkLimits(limits)
  const minSamples = checkSampleOptions(options)
  const floor = lines
    .map(([, limit]) => outcomeCountFloor(limit))
    .reduce((a, b) => (b.needed > a.needed ? b : a))
  const needed = minSamples === undefined ? floor : { needed: minSamples, why: 'minSamples' }
  requireFloors(report, [
    {
      what: `an outcome count of ${formatArgs(limits)}`,
      population: report.unit,
      have: report.count,
      floor: needed,
    },
  ])
  const measured = lines.map(([outcome, limit]) => ({ outcome, limit, count: outcomeCount(report, outcome) }))
  const pass = measured.every((m) => m.count <= m.limit)
  // Breached lines first: the one a reader must see.
  const shown = [...measured.filter((m) => m.count > m.limit), ...measured.filter((m) => m.count <= m.limit)]
  const parts = shown.map(
    (m) => `${m.outcome} ${formatCount(m.count)} ${m.count <= m.limit ? '<=' : '>'} ${formatCount(m.limit)}`,
  )
  const unseen = measured.filter((m) => m.outcome !== OK_OUTCOME && m.count === 0).map((m) => m.outcome)
  return verdict(this, {
    matcher: 'toHaveOutcomesAtMost',
    args: formatArgs(quoteKeys(limits), options),
    pass,
    finding: `${parts.join(', ')} over ${formatSamples(report, report.count, needed.needed)}`,
    notExpected:
      measured.length === 1
        ? `more than ${formatCount(measured[0]?.limit ?? 0)}`
        : 'at least one outcome over its limit',
    lines: [
      `outcomes: ${formatOutcomeCounts(report)}`,
      ...(unseen.length === 0
        ? []
        : [`no call ended with ${unseen.join(', ')} (outcomes are ok or the error kinds above)`]),
      ...countedLines(report, 'counted as outcome dropped'),
    ],
    hints: pass
      ? []
      : hintsFor(
          report,
          shown.filter((m) => m.count > m.limit).map((m) => m.outcome),
        ),
    chart: { report, limits: {} },
    actual: Object.fromEntries(measured.map((m) => [m.outcome, m.count])),
    expected: Object.fromEntries(measured.map((m) => [m.outcome, m.limit])),
  })
}

// Outcome names with spaces (`HTTP 429`) quoted, so the head line reads as the call was written.
function quoteKeys(limits: OutcomeLimits): Record<string, number> {
  return Object.fromEntries(
    Object.entries(limits).map(([k, v]) => [/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`, v]),
  )
}

function hintsFor(report: LoadReport, breached: readonly string[]): string[] {
  const hints: string[] = []
  if (breached.includes(OK_OUTCOME))
    hints.push('more calls succeeded than allowed: is the limit enforced for this caller?')
  if (breached.some((o) => o !== OK_OUTCOME)) {
    const who = report.tagName === undefined ? 'these calls' : `calls tagged ${report.tagName}`
    hints.push(`${who} got outcomes they should not: is the limit keyed on the right caller?`)
  }
  return hints
}
