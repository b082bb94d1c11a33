import { formatCount, formatMs, formatRate, formatRatio, formatSeconds } from '../stats/format.js'
import type { LatencyHistogram } from '../stats/histogram.js'
import type { LoadReport } from './report.js'

function latencyLine(h: LatencyHistogram): string {
  if (h.count === 0) return 'no completed calls'
  const p = (n: number) => formatMs(h.percentile(n))
  return [
    `min ${formatMs(h.min)}`,
    `p50 ${p(50)}`,
    `p95 ${p(95)}`,
    `p99 ${p(99)}`,
    `p99.9 ${p(99.9)}`,
    `max ${formatMs(h.max)}`,
    `mean ${formatMs(h.mean)}`,
  ].join('  ')
}

function outcomeLine(r: LoadReport): string {
  const parts = [`${formatCount(r.count)} ${r.unit}`, `${formatRate(r.throughput)}`]
  parts.push(`errors ${formatCount(r.errors)} (${formatRatio(r.errorRate)})`)
  // Drops are among the errors; say how many arrivals never started, out of all of them.
  if (r.dropped > 0) parts.push(`${formatCount(r.dropped)} of ${formatCount(r.count)} arrivals dropped`)
  return parts.join('  ')
}

/** "3 calls overran their 50 ms timeout by up to 1,950 ms", or nothing when none did. */
function overrunLine(r: LoadReport): string | undefined {
  if (r.overran === 0) return undefined
  const calls =
    r.overran === 1
      ? `1 ${singular(r.unit)} overran its`
      : `${formatCount(r.overran)} ${r.unit} overran their`
  const timeout = r.timeoutMs === undefined ? 'timeout' : `${formatMs(r.timeoutMs)} timeout`
  return `${calls} ${timeout} by up to ${formatMs(r.overrunMaxMs)} (the task ignored its signal and kept its slot)`
}

const singular = (unit: string): string => (unit.endsWith('s') ? unit.slice(0, -1) : unit)

/**
 * The plain-text summary of a report, for the terminal (what `report.summary()` returns).
 *
 * @example
 * console.log(formatSummary(report))
 * // load "checkout" (open model, function) 10.0 s, seed 42
 * //   2,000 calls  200/s  errors 12 (0.6 %)
 * //   latency  min 1.2 ms  p50 4.1 ms  p95 12 ms  p99 40 ms  p99.9 80 ms  max 1,020 ms  mean 5 ms
 */
export function formatSummary(report: LoadReport): string {
  const title = report.name === undefined ? 'load' : `load "${report.name}"`
  const head = [`${report.model} model, ${report.source}`]
  if (report.target !== undefined) head.push(report.target)
  const seed = report.seed === undefined ? '' : `, seed ${report.seed}`
  // A merged report: how many runs it holds, and their seeds when they differ.
  const seeds =
    report.seed === undefined && report.seeds.length > 0 ? `, seeds ${report.seeds.join(', ')}` : ''
  const runs = report.runs > 1 ? `, ${report.runs} runs merged${seeds}` : ''
  const span =
    report.windowStartMs === 0
      ? `${formatSeconds(report.durationMs)} s`
      : `window ${formatSeconds(report.windowStartMs)}-${formatSeconds(report.windowStartMs + report.durationMs)} s`
  const lines = [`${title} (${head.join(', ')}) ${span}${seed}${runs}`]
  lines.push(`  ${outcomeLine(report)}`)
  lines.push(`  latency  ${latencyLine(report.latency)}`)
  const kinds = Object.entries(report.errorsByKind)
  if (kinds.length > 0) {
    lines.push(`  errors   ${kinds.map(([kind, n]) => `${kind} ${formatCount(n)}`).join(', ')}`)
  }
  const overrun = overrunLine(report)
  if (overrun) lines.push(`  overran  ${overrun}`)
  const lag = report.schedulingLag
  if (lag && lag.count > 0) {
    lines.push(
      `  schedule lag  p50 ${formatMs(lag.percentile(50))}  p99 ${formatMs(lag.percentile(99))}  max ${formatMs(lag.max)}`,
    )
  }
  for (const fault of report.faults) {
    const from = formatSeconds(fault.startedAt - report.startedAt)
    const to = fault.healedAt === undefined ? 'end' : formatSeconds(fault.healedAt - report.startedAt)
    const target = fault.target === undefined ? '' : ` (${fault.target})`
    lines.push(`  fault    ${fault.name}${target} ${from}-${to} s`)
  }
  for (const tag of report.tags) {
    const t = report.tag(tag)
    lines.push(`  [${tag}]  ${outcomeLine(t)}`)
    lines.push(`  [${tag}]  latency  ${latencyLine(t.latency)}`)
    const tagOverrun = overrunLine(t)
    if (tagOverrun) lines.push(`  [${tag}]  overran  ${tagOverrun}`)
  }
  return lines.join('\n')
}
