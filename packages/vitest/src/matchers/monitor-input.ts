// Checks shared by the monitor matchers: the received value is a monitor's samples, enough of them, and
// none failed beyond what the test allows (a failed sample could have been the peak, or the rise). Public
// (`@faultline/vitest/matchers`).
import {
  describeValue,
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  Monitor,
  type MonitorSeries,
} from '@faultline/core'
import type { MatcherState } from 'vitest'
import { type Floor, requireFloors } from './floors.js'
import { type VerdictParts, type VerdictResult, verdict } from './message.js'

/** Options of the monitor matchers. */
export interface FailedSamplesOptions {
  /** How many failed samples to tolerate (default 0); they still show in the message. */
  readonly maxFailures?: number
}

function isSeries(value: unknown): value is MonitorSeries {
  const v = value as Partial<MonitorSeries> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.intervalMs === 'number' &&
    Array.isArray(v.samples)
  )
}

/**
 * The samples a monitor matcher was given — a Monitor (stopped or not) or a report's `monitor(name)` —
 * or an error naming what it got instead. Refuses (`TOO_FEW_SAMPLES`, through {@link requireFloors})
 * fewer samples than `floor` needs.
 *
 * @example
 * import { asMonitor } from '@faultline/vitest/matchers'
 * const monitor = asMonitor(received, 'toStayUnder', { needed: 2, why: 'one sample is no series' })
 */
export function asMonitor(received: unknown, matcher: string, floor: Floor): MonitorSeries {
  if (!(received instanceof Monitor) && !isSeries(received)) {
    throw new FaultlineArgumentError(
      'received',
      `${matcher} expects a Monitor (startMonitor(), monitorPgConnections(), …) or report.monitor(name), got ${describeValue(received)}`,
    )
  }
  const failed = failuresOf(received)
  requireFloors(
    {
      subject: 'monitor',
      where: `every ${received.intervalMs} ms${failed > 0 ? `; ${formatCount(failed)} samples failed${lastError(received)}` : ''}`,
      fix: 'Sample longer or more often.',
    },
    [{ what: matcher, population: `samples of ${received.name}`, have: received.samples.length, floor }],
  )
  return received
}

/** Failed samples of a series (0 when a hand-built series leaves the count out). */
export function failuresOf(monitor: MonitorSeries): number {
  return typeof monitor.failures === 'number' && monitor.failures > 0 ? monitor.failures : 0
}

function lastError(monitor: MonitorSeries): string {
  if (!(monitor instanceof Monitor) || monitor.lastError === undefined) return ''
  const error = monitor.lastError
  return ` (last: ${error instanceof Error ? error.message : String(error)})`
}

/**
 * Throws `FAILED_SAMPLES` when more samples failed than `maxFailures` allows and the samples read cannot
 * settle the verdict on their own: `what` says what cannot be shown, e.g. `the limit cannot be shown to hold`.
 */
export function refuseFailedSamples(
  monitor: MonitorSeries,
  matcher: string,
  maxFailures: number,
  what: string,
): void {
  const failed = failuresOf(monitor)
  if (failed <= maxFailures) return
  const total = monitor.samples.length + failed
  throw new FaultlineError(
    'FAILED_SAMPLES',
    `${matcher}: ${formatCount(failed)} of ${formatCount(total)} samples of ${monitor.name} failed; ${what}${lastError(monitor)}. ` +
      `Fix the sampler (is the service reachable?), or pass { maxFailures: ${failed} } to judge the samples read.`,
  )
}

/**
 * How a monitor sampled, for a message line.
 *
 * @example
 * formatSampling(monitor, 3) // '52 samples every 100 ms over 5.2 s, 3 failed (3 allowed)'
 */
export function formatSampling(monitor: MonitorSeries, maxFailures = 0): string {
  const s = monitor.samples
  const span = s.length > 1 ? (s[s.length - 1]!.atMs - s[0]!.atMs) / 1000 : 0
  const failures = failuresOf(monitor)
  const failed = failures > 0 ? `, ${formatCount(failures)} failed (${formatCount(maxFailures)} allowed)` : ''
  return `${formatCount(s.length)} samples every ${monitor.intervalMs} ms over ${span.toFixed(1)} s${failed}`
}

/**
 * A number with its unit: `14 connections`, `2.1 MiB` for bytes.
 *
 * @example
 * formatAmount(14, monitor.unit) // '14 connections'
 */
export function formatAmount(value: number, unit: string): string {
  if (unit === 'bytes') {
    const abs = Math.abs(value)
    if (abs >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`
    if (abs >= 1024) return `${(value / 1024).toFixed(1)} KiB`
    return `${Math.round(value)} B`
  }
  const rounded = Number.isInteger(value) ? formatCount(value) : value.toFixed(1)
  return unit ? `${rounded} ${unit}` : rounded
}

/**
 * {@link verdict} for a monitor matcher: `expect(monitor)…` in the head line, and how the monitor sampled
 * (failed samples included) after the finding.
 *
 * @example
 * return monitorVerdict(this, monitor, maxFailures, {
 *   matcher: 'toStayUnder', args: [limit], pass, finding: `peak ${peak} <= ${limit}`, notExpected: `> ${limit}`,
 * })
 */
export function monitorVerdict(
  state: Pick<MatcherState, 'isNot'>,
  monitor: MonitorSeries,
  maxFailures: number,
  parts: Omit<VerdictParts, 'subject' | 'lines'>,
): VerdictResult {
  return verdict(state, { ...parts, subject: 'monitor', lines: [formatSampling(monitor, maxFailures)] })
}
