import { FaultlineArgumentError, formatCount, Monitor, type MonitorSeries } from '@faultline/core'
import { type MessageParts, message } from './message.js'

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
 * or an error naming what it got instead.
 */
export function toMonitor(received: unknown, matcher: string, minSamples: number): MonitorSeries {
  if (!(received instanceof Monitor) && !isSeries(received)) {
    throw new FaultlineArgumentError(
      'received',
      `${matcher} expects a Monitor (startMonitor(), monitorPgConnections(), …) or report.monitor(name), got ${received === null ? 'null' : typeof received}`,
    )
  }
  if (received.samples.length < minSamples) {
    throw new FaultlineArgumentError(
      'received',
      `${matcher} refuses to judge ${formatCount(received.samples.length)} samples of ${received.name} (needs ${minSamples}): ` +
        `sample longer or more often (intervalMs ${received.intervalMs})${received.failures > 0 ? `; ${received.failures} samples failed` : ''}`,
    )
  }
  return received
}

/** `52 samples every 100 ms over 5.2 s`. */
export function sampling(monitor: MonitorSeries): string {
  const s = monitor.samples
  const span = s.length > 1 ? (s[s.length - 1]!.atMs - s[0]!.atMs) / 1000 : 0
  const failed = monitor.failures > 0 ? `, ${formatCount(monitor.failures)} failed` : ''
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
