// Checks shared by the monitor matchers: the received value is a monitor's samples, enough of them, and
// none failed beyond what the test allows (a failed sample could have been the peak, or the rise).
import {
  FaultlineArgumentError,
  FaultlineError,
  formatCount,
  Monitor,
  type MonitorSeries,
} from '@faultline/core'
import { type MessageParts, message } from './message.js'

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
 * or an error naming what it got instead. Refuses (`TOO_FEW_SAMPLES`) fewer than `minSamples` samples.
 */
export function toMonitor(received: unknown, matcher: string, minSamples: number): MonitorSeries {
  if (!(received instanceof Monitor) && !isSeries(received)) {
    throw new FaultlineArgumentError(
      'received',
      `${matcher} expects a Monitor (startMonitor(), monitorPgConnections(), …) or report.monitor(name), got ${received === null ? 'null' : typeof received}`,
    )
  }
  if (received.samples.length < minSamples) {
    throw new FaultlineError(
      'TOO_FEW_SAMPLES',
      `${matcher} refuses to judge ${formatCount(received.samples.length)} samples of ${received.name} (needs ${minSamples}): ` +
        `sample longer or more often (intervalMs ${received.intervalMs})${failuresOf(received) > 0 ? `; ${formatCount(failuresOf(received))} samples failed${lastError(received)}` : ''}`,
    )
  }
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

/** `52 samples every 100 ms over 5.2 s, 3 failed (3 allowed)`. */
export function sampling(monitor: MonitorSeries, maxFailures = 0): string {
  const s = monitor.samples
  const span = s.length > 1 ? (s[s.length - 1]!.atMs - s[0]!.atMs) / 1000 : 0
  const failures = failuresOf(monitor)
  const failed = failures > 0 ? `, ${formatCount(failures)} failed (${formatCount(maxFailures)} allowed)` : ''
  return `${formatCount(s.length)} samples every ${monitor.intervalMs} ms over ${span.toFixed(1)} s${failed}`
}

/** A number with its unit: `14 connections`, `2.1 MB`. */
export function amount(value: number, unit: string): string {
  if (unit === 'bytes') {
    const abs = Math.abs(value)
    if (abs >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`
    if (abs >= 1024) return `${(value / 1024).toFixed(1)} KiB`
    return `${Math.round(value)} B`
  }
  const rounded = Number.isInteger(value) ? formatCount(value) : value.toFixed(1)
  return unit ? `${rounded} ${unit}` : rounded
}

export function monitorMessage(parts: MessageParts): string {
  return message({ ...parts, subject: 'monitor' })
}
