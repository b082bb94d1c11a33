// Where a load chart's panels go, in px: fixed margins (no `containLabel`), so the plot area of each panel
// is known exactly and a time maps to an x position without asking the renderer.

/** What a panel of the chart shows. */
export type PanelKind = 'latency' | 'throughput' | 'errors' | 'monitor'

/** One panel (an ECharts grid): its index, kind and vertical place, px. */
export interface Panel {
  readonly index: number
  readonly kind: PanelKind
  readonly top: number
  readonly height: number
}

/** The chart's size, its margins and its panels, px. */
export interface ChartLayout {
  readonly width: number
  readonly height: number
  /** Left edge of every plot area. */
  readonly left: number
  /** Gap from every plot area to the right edge. */
  readonly right: number
  readonly plotWidth: number
  readonly panels: readonly Panel[]
}

const HEIGHTS: Record<PanelKind, number> = { latency: 220, throughput: 110, errors: 140, monitor: 100 }
const HEAD = 118
const GAP = 44
const FOOT = 36

/**
 * The layout of a chart with these panels, top to bottom.
 *
 * @example
 * chartLayout(['latency', 'throughput', 'errors'], 960).plotWidth // 820
 */
export function chartLayout(kinds: readonly PanelKind[], width: number): ChartLayout {
  const left = 70
  const right = 70
  let top = HEAD
  const panels = kinds.map((kind, index) => {
    const panel = { index, kind, top, height: HEIGHTS[kind] }
    top += HEIGHTS[kind] + GAP
    return panel
  })
  return { width, height: top - GAP + FOOT, left, right, plotWidth: width - left - right, panels }
}

/**
 * The x position (px) of `seconds` on a panel spanning `fromS`-`toS`: the plot area's linear scale.
 *
 * @example
 * xOf(chartLayout(['latency'], 960), 0, 10, 5) // 480
 */
export function xOf(layout: ChartLayout, fromS: number, toS: number, seconds: number): number {
  return layout.left + ((seconds - fromS) / (toS - fromS)) * layout.plotWidth
}
