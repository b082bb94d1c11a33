// A chart of one load run as a static SVG, rendered in Node by Apache ECharts (server-side rendering, no
// browser, no DOM): latency p50/p95/p99, throughput, errors by kind and the monitors per interval, each
// in its own panel on one time axis, with the fault windows shaded and the SLO limits dashed.
import { createRequire } from 'node:module'
import { formatMs, formatRate, formatRatio, type LoadReport, type MonitorSeries } from '@faultline/core'
import type { EChartsOption } from 'echarts'
import { type ChartLayout, chartLayout, type PanelKind } from './layout.js'

/** The limits a test asserted, drawn as dashed lines on their panel. */
export interface ChartLimits {
  /** Latency budgets (ms), e.g. `[{ name: 'p95', ms: 500 }]`. */
  readonly latency?: readonly { readonly name: string; readonly ms: number }[]
  /** The highest error rate allowed, 0..1 (on the errors panel's right axis). */
  readonly errorRate?: number
  /** The lowest throughput allowed, per second. */
  readonly throughput?: number
}

/** Options of {@link renderLoadChart}. */
export interface LoadChartOptions {
  /** The chart's title (default: the report's name, or `load run`). */
  readonly title?: string
  /** The verdict, under the title, e.g. `toHaveP95Below(500) failed: p95 812 ms > 500 ms`. */
  readonly verdict?: string
  /** The limits to draw as dashed lines. */
  readonly limits?: ChartLimits
  /** Monitors to draw, each on its own axis (default: the ones attached with `report.withMonitors`). */
  readonly monitors?: readonly MonitorSeries[]
  /** Width in px (default 960); the height follows from the panels. */
  readonly width?: number
}

/** The colours of the marks, named for the docs and the tests. */
export const CHART_COLORS = {
  p50: '#2563eb',
  p95: '#d97706',
  p99: '#dc2626',
  throughput: '#059669',
  errorRate: '#7c3aed',
  limit: '#111827',
  fault: '#ef4444',
  dropped: '#6b7280',
} as const

/** How opaque a fault window's shade is. */
export const FAULT_OPACITY = 0.12

type ECharts = typeof import('echarts')

let echarts: ECharts | undefined

// A bundled CommonJS build, loaded on the first chart only and synchronously, so a matcher (which Vitest
// calls synchronously) can draw its chart before it returns. The minified "common" build has every chart
// and component drawn here (line, bar, grid, legend, title, markLine, markArea, the SVG renderer) and loads
// in about half the time of the full one (0.7 MB against 3.8 MB of source to parse, in every test file's
// worker): the reporter-overhead bench measures it.
function library(): ECharts {
  echarts ??= createRequire(import.meta.url)('echarts/dist/echarts.common.min.js') as ECharts
  return echarts
}

const KIND_COLORS = ['#f97316', '#e11d48', '#a16207', '#0891b2', '#9333ea', '#65a30d', '#be185d', '#0f766e']

/** Errors by kind per interval of the series: from the per-interval histograms when the report has them. */
function errorKindsPerInterval(report: LoadReport): Map<string, number[]> {
  const kinds = new Map<string, number[]>()
  const add = (kind: string, i: number, n: number) => {
    let row = kinds.get(kind)
    if (!row) {
      row = report.series.map(() => 0)
      kinds.set(kind, row)
    }
    row[i] = (row[i] ?? 0) + n
  }
  report.series.forEach((point, i) => {
    if (point.errors === 0) return
    let byKind: Readonly<Record<string, number>>
    try {
      byKind = report.window(point.startMs, point.endMs).errorsByKind
    } catch {
      // A report rebuilt from JSON has no per-interval histograms: its errors are split into drops and the rest.
      byKind = { dropped: point.dropped, errors: point.errors - point.dropped }
    }
    for (const [kind, n] of Object.entries(byKind)) if (n > 0) add(kind, i, n)
  })
  return kinds
}

function faultAreas(report: LoadReport, fromS: number, toS: number, labelled: boolean) {
  const data = report.faults.map((fault) => {
    const start = Math.max(fromS, (fault.startedAt - report.startedAt) / 1000)
    const end = fault.healedAt === undefined ? toS : Math.min(toS, (fault.healedAt - report.startedAt) / 1000)
    const name = fault.healedAt === undefined ? `${fault.name} (not healed)` : fault.name
    return [{ name, xAxis: start }, { xAxis: Math.max(end, start) }]
  })
  return {
    silent: true,
    itemStyle: { color: CHART_COLORS.fault, opacity: FAULT_OPACITY },
    label: { show: labelled, position: 'insideTop', color: '#991b1b', fontSize: 12 },
    data,
  }
}

function limitLines(lines: readonly { name: string; value: number }[]) {
  return {
    silent: true,
    symbol: 'none',
    lineStyle: { type: 'dashed', color: CHART_COLORS.limit, width: 1.5 },
    label: { position: 'insideEndTop', formatter: '{b}', color: CHART_COLORS.limit },
    data: lines.map((l) => ({ name: l.name, yAxis: l.value })),
  }
}

const mid = (p: { startMs: number; endMs: number }) => (p.startMs + p.endMs) / 2000

/**
 * `x` (> 0) rounded up to two significant digits, without floating-point noise: the top tick of an axis
 * is labelled with it (`30.25` reads `31`, not `30.250000000000004`).
 */
export function niceCeil(x: number): number {
  const power = 10 ** (Math.floor(Math.log10(x)) - 1)
  return Number((Math.ceil(Number((x / power).toPrecision(12))) * power).toPrecision(12))
}

/** Axis bound that keeps every limit in view, with some room above, at a round number. */
const above =
  (...limits: (number | undefined)[]) =>
  (extent: { max: number }) => {
    const top = Math.max(extent.max, ...limits.filter((l): l is number => l !== undefined))
    return top > 0 ? niceCeil(top * 1.1) : 1
  }

/**
 * The ECharts option of a load run's chart, with the layout it draws into (for tests and custom renderers).
 *
 * @example
 * import { load, Timeline } from '@faultline/core'
 * import { loadChartOption } from '@faultline/vitest'
 *
 * const report = await load(async () => {}, { rate: 50, duration: 2_000, timeline: new Timeline() })
 * const { option, layout } = loadChartOption(report, { limits: { latency: [{ name: 'p95', ms: 100 }] } })
 * console.log(layout.panels.map((p) => p.kind), Object.keys(option))
 */
export function loadChartOption(
  report: LoadReport,
  options: LoadChartOptions = {},
): { option: EChartsOption; layout: ChartLayout } {
  const monitors = options.monitors ?? report.monitors
  const kinds: PanelKind[] = ['latency', 'throughput', 'errors', ...monitors.map(() => 'monitor' as const)]
  const layout = chartLayout(kinds, options.width ?? 960)
  const fromS = report.windowStartMs / 1000
  const toS = (report.windowStartMs + report.durationMs) / 1000
  const limits = options.limits ?? {}
  const at = (kind: PanelKind, n = 0) => layout.panels.filter((p) => p.kind === kind)[n]!

  const xAxis = layout.panels.map((_, i) => ({
    type: 'value' as const,
    gridIndex: i,
    min: fromS,
    max: toS,
    // Bars would stretch their panel's axis past min/max (ECharts' containShape), shifting that panel's
    // times against the others'; every panel keeps the same scale, so a time has one x (layout's xOf).
    containShape: false,
    // The unit on the bottom panel's labels: an axis name there would sit on the right axis' labels.
    axisLabel: { formatter: i === layout.panels.length - 1 ? '{value} s' : '{value}' },
    splitLine: { show: false },
  }))
  const yAxis: Record<string, unknown>[] = []
  const series: Record<string, unknown>[] = []
  const yIndex = (axis: Record<string, unknown>) => yAxis.push(axis) - 1

  // Latency: p50 / p95 / p99 per interval, latency budgets dashed, faults shaded and named.
  const latency = at('latency')
  const latencyLimits = (limits.latency ?? []).map((l) => ({
    name: `${l.name} limit ${formatMs(l.ms)}`,
    value: l.ms,
  }))
  const latencyAxis = yIndex({
    type: 'value',
    gridIndex: latency.index,
    name: 'latency (ms)',
    max: above(...latencyLimits.map((l) => l.value)),
  })
  for (const key of ['p50', 'p95', 'p99'] as const) {
    series.push({
      name: key,
      type: 'line',
      xAxisIndex: latency.index,
      yAxisIndex: latencyAxis,
      showSymbol: false,
      connectNulls: false,
      color: CHART_COLORS[key],
      data: report.series.map((p) => [mid(p), p[key]]),
      ...(key === 'p50'
        ? { markArea: faultAreas(report, fromS, toS, true), markLine: limitLines(latencyLimits) }
        : {}),
    })
  }

  // Throughput: completed calls per second of each interval, its floor dashed.
  const throughput = at('throughput')
  const throughputAxis = yIndex({
    type: 'value',
    gridIndex: throughput.index,
    name: `throughput (${report.unit}/s)`,
    max: above(limits.throughput),
  })
  series.push({
    name: 'throughput',
    type: 'line',
    xAxisIndex: throughput.index,
    yAxisIndex: throughputAxis,
    showSymbol: false,
    color: CHART_COLORS.throughput,
    data: report.series.map((p) => [mid(p), p.throughput]),
    markArea: faultAreas(report, fromS, toS, false),
    markLine: limitLines(
      limits.throughput === undefined
        ? []
        : [{ name: `throughput limit ${formatRate(limits.throughput)}`, value: limits.throughput }],
    ),
  })

  // Errors: a stacked bar per kind per interval (drops included), the error rate on the right axis.
  const errors = at('errors')
  const errorsAxis = yIndex({
    type: 'value',
    gridIndex: errors.index,
    name: 'errors',
    minInterval: 1,
    max: above(),
  })
  const rateAxis = yIndex({
    type: 'value',
    gridIndex: errors.index,
    name: 'error rate',
    position: 'right',
    min: 0,
    // A rate is at most 100 %: no room above that.
    max: (extent: { max: number }) => Math.min(1, above(limits.errorRate)(extent)),
    splitLine: { show: false },
    axisLabel: { formatter: (v: number) => formatRatio(v) },
  })
  const barWidth = Math.max(1, ((layout.plotWidth * report.intervalMs) / 1000 / (toS - fromS || 1)) * 0.7)
  let k = 0
  for (const [kind, counts] of errorKindsPerInterval(report)) {
    series.push({
      name: kind, // on the errors panel: the kind alone says it
      type: 'bar',
      stack: 'errors',
      xAxisIndex: errors.index,
      yAxisIndex: errorsAxis,
      barWidth,
      color: kind === 'dropped' ? CHART_COLORS.dropped : KIND_COLORS[k++ % KIND_COLORS.length],
      data: report.series.map((p, i) => [mid(p), counts[i] ?? 0]),
    })
  }
  series.push({
    name: 'error rate',
    type: 'line',
    xAxisIndex: errors.index,
    yAxisIndex: rateAxis,
    showSymbol: false,
    color: CHART_COLORS.errorRate,
    data: report.series.map((p) => [mid(p), p.count === 0 ? null : p.errors / p.count]),
    markArea: faultAreas(report, fromS, toS, false),
    markLine: limitLines(
      limits.errorRate === undefined
        ? []
        : [{ name: `error rate limit ${formatRatio(limits.errorRate)}`, value: limits.errorRate }],
    ),
  })

  // Monitors: each on its own panel and axis, in its unit.
  monitors.forEach((monitor, n) => {
    const panel = at('monitor', n)
    const axis = yIndex({ type: 'value', gridIndex: panel.index, name: `${monitor.name} (${monitor.unit})` })
    series.push({
      name: monitor.name,
      type: 'line',
      xAxisIndex: panel.index,
      yAxisIndex: axis,
      showSymbol: false,
      step: 'end',
      color: KIND_COLORS[(n + 3) % KIND_COLORS.length],
      data: monitor.samples.map((s) => [s.atMs / 1000, s.value]),
      markArea: faultAreas(report, fromS, toS, false),
    })
  })

  const title = options.title ?? report.name ?? 'load run'
  const summary = `p95 ${formatMs(report.p95)}, error rate ${formatRatio(report.errorRate)}, ${formatRate(report.throughput)}${report.seed === undefined ? '' : `, seed ${report.seed}`}`
  const option = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: 'sans-serif' },
    title: {
      text: title,
      subtext: options.verdict === undefined ? summary : `${options.verdict}\n${summary}`,
      left: layout.left,
      top: 8,
      textStyle: { width: layout.plotWidth, overflow: 'truncate' },
      subtextStyle: { width: layout.plotWidth, overflow: 'break' },
    },
    legend: { top: 74, left: layout.left, right: layout.right, itemWidth: 14 },
    grid: layout.panels.map((p) => ({
      left: layout.left,
      right: layout.right,
      top: p.top,
      height: p.height,
      // Exactly these px: no room made for labels, so a time's x position follows from the layout alone.
      outerBoundsMode: 'none',
    })),
    xAxis,
    yAxis,
    series,
  } as EChartsOption
  return { option, layout }
}

/**
 * A load run's chart as a standalone SVG document: latency p50 / p95 / p99, throughput, errors by kind
 * (drops included) and the error rate per interval, the monitors on their own axes, the report's fault
 * windows shaded and named, the `limits` as dashed lines, and the verdict under the title. Rendered in
 * Node by Apache ECharts (no browser).
 *
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { load, Timeline } from '@faultline/core'
 * import { renderLoadChart } from '@faultline/vitest'
 *
 * const report = await load(async () => {}, { rate: 50, duration: 2_000, timeline: new Timeline() })
 * const svg = renderLoadChart(report, {
 *   limits: { latency: [{ name: 'p95', ms: 100 }], errorRate: 0.01 },
 *   verdict: 'toMeetSLO passed',
 * })
 * writeFileSync('run.svg', svg)
 */
export function renderLoadChart(report: LoadReport, options: LoadChartOptions = {}): string {
  const { option, layout } = loadChartOption(report, options)
  const { width, height } = layout
  const chart = library().init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption(option)
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}
