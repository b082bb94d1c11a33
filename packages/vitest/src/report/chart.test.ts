import { LoadRecorder } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { CHART_COLORS, FAULT_OPACITY, loadChartOption, niceCeil, renderLoadChart } from './chart.js'
import { xOf } from './layout.js'
import { type FaultedRun, faultedRun, xmlProblem } from './load-run.test-support.js'

// The shaded rectangles (polygons) of the fault windows, as [left, right, top, bottom] px.
function faultRects(svg: string): number[][] {
  const rects: number[][] = []
  for (const [tag] of svg.matchAll(/<polygon [^>]*>/g)) {
    if (!tag.includes(`fill="${CHART_COLORS.fault}"`) || !tag.includes(`fill-opacity="${FAULT_OPACITY}"`))
      continue
    const points = /points="([^"]+)"/.exec(tag)![1]!.split(' ').map(Number)
    const xs = points.filter((_, i) => i % 2 === 0)
    const ys = points.filter((_, i) => i % 2 === 1)
    rects.push([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)])
  }
  return rects
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])

describe('renderLoadChart', () => {
  let run: FaultedRun
  let svg: string

  it('draws a real run with an error fault mid-run as a well-formed SVG document', async () => {
    run = await faultedRun('error', 'api down')
    svg = renderLoadChart(run.report, {
      limits: { latency: [{ name: 'p95', ms: 250 }], errorRate: 0.05 },
      verdict: 'toMeetSLO failed',
    })
    expect(svg.startsWith('<svg')).toBe(true)
    expect(xmlProblem(svg)).toBeUndefined()
    expect(run.report.errorsByKind.INJECTED_FAULT).toBeGreaterThan(0)
  }, 60_000)

  it('has the three latency series, each in its colour, and names them in the legend', () => {
    const { option } = loadChartOption(run.report)
    const series = option.series as { name: string; type: string }[]
    expect(series.filter((s) => s.type === 'line').map((s) => s.name)).toEqual(
      expect.arrayContaining(['p50', 'p95', 'p99']),
    )
    for (const key of ['p50', 'p95', 'p99'] as const) {
      // A polyline of the series (a path with its stroke and no fill), and its legend entry.
      expect(svg).toMatch(new RegExp(`<path d="M[^"]+" fill="none"[^>]*stroke="${CHART_COLORS[key]}"`))
      expect(texts(svg)).toContain(key)
    }
  })

  it('shades the fault window where its startedAt and healedAt fall on the time axis, and names it', () => {
    const { layout } = loadChartOption(run.report)
    const { report, fault } = run
    const toS = (report.windowStartMs + report.durationMs) / 1000
    const at = (epochMs: number) => xOf(layout, 0, toS, (epochMs - report.startedAt) / 1000)
    const latency = layout.panels[0]!
    const rect = faultRects(svg).find((r) => r[2] === latency.top)
    expect(rect).toBeDefined()
    // The plot area spans exactly layout.left..width-right (outerBoundsMode 'none'), so a time's x is a
    // linear map from the axis range. ECharts rounds coordinates to 0.1 px and may snap an edge to a half
    // pixel for crisp lines: 1 px covers both (1 px = 2.4 s / 820 px, about 3 ms of the run).
    expect(Math.abs(rect![0]! - at(fault.startedAt))).toBeLessThanOrEqual(1)
    expect(Math.abs(rect![1]! - at(fault.healedAt!))).toBeLessThanOrEqual(1)
    // Shaded over the whole height of the panel, on every panel (3 here: latency, throughput, errors).
    expect(rect![3]! - rect![2]!).toBeCloseTo(latency.height, 0)
    expect(faultRects(svg)).toHaveLength(3)
    // At the same x on every panel: the bars of the errors panel do not stretch its time axis.
    for (const [x0, x1] of faultRects(svg)) {
      expect(Math.abs(x0! - at(fault.startedAt))).toBeLessThanOrEqual(1)
      expect(Math.abs(x1! - at(fault.healedAt!))).toBeLessThanOrEqual(1)
    }
    expect(texts(svg)).toContain('api down')
  })

  it('draws the limits dashed, labelled, and the verdict under the title', () => {
    const dashed = svg.match(/<path [^>]*stroke-dasharray="[^"]+"[^>]*>/g) ?? []
    expect(dashed.filter((p) => p.includes(`stroke="${CHART_COLORS.limit}"`))).toHaveLength(2)
    expect(texts(svg)).toEqual(expect.arrayContaining(['p95 limit 250 ms', 'error rate limit 5 %']))
    expect(texts(svg)).toContain('toMeetSLO failed')
    expect(texts(svg)).toContain('INJECTED_FAULT')
  })

  it('draws the dropped arrivals of a black hole among the errors by kind', async () => {
    const { report } = await faultedRun('blackHole', 'api black hole')
    expect(report.dropped).toBeGreaterThan(0)
    const chart = renderLoadChart(report)
    expect(xmlProblem(chart)).toBeUndefined()
    expect(texts(chart)).toContain('dropped')
    expect(texts(chart)).toContain('api black hole')
    // A bar per interval of the drops series, in the drops' colour: their heights add up to the drops.
    const { option } = loadChartOption(report)
    const drops = (option.series as { name: string; data: [number, number][] }[]).find(
      (s) => s.name === 'dropped',
    )
    expect(drops!.data.reduce((n, [, count]) => n + count, 0)).toBe(report.dropped)
    expect(chart).toContain(`fill="${CHART_COLORS.dropped}"`)
  }, 60_000)
})

describe('niceCeil', () => {
  it('rounds an axis top up to two significant digits, so its label reads round', () => {
    // 27.5 * 1.1 labelled the errors axis "30.250000000000004" before.
    expect([27.5 * 1.1, 44.000000034, 66_000, 0.0301, 1, 0.1 + 0.2].map(niceCeil)).toEqual([
      31, 45, 66_000, 0.031, 1, 0.3,
    ])
  })
})

describe('the error rate axis', () => {
  it('tops out at 100 %, where every call of an interval failed', () => {
    const recorder = new LoadRecorder({ startedAt: 0, interval: 100 })
    for (let at = 0; at < 1_000; at += 10)
      recorder.record({ startMs: at, latencyMs: 1, error: 'ECONNREFUSED' })
    const { option } = loadChartOption(recorder.finish(1_000), { limits: { errorRate: 0.01 } })
    const axis = (option.yAxis as { name: string; max: (e: { max: number }) => number }[]).find(
      (a) => a.name === 'error rate',
    )
    // 1.1 (110 %) before: room above a rate that cannot be exceeded.
    expect(axis!.max({ max: 1 })).toBe(1)
    expect(axis!.max({ max: 0.02 })).toBe(0.022)
  })
})
