// What a chart carries besides its picture, and how it rides in the SVG: the facts of the verdict and the
// judged report's JSON. Apart from the matchers' side (attach.ts), so that the reporter, which only reads
// charts, loads neither Faultline's core nor ECharts in Vitest's main process.
import type { LoadReportJSON } from '@faultline/core'
import { escapeHtml, unescapeHtml } from './markup.js'

/**
 * The numbers of a judged report that its chart carries (see {@link readChartData}): what the Faultline
 * reporter prints and puts in its HTML report.
 */
export interface ChartFacts {
  /** The assertion as written. */
  readonly assertion: string
  /** Whether the assertion (with its `.not`) held; null: a load run of the test that no matcher judged. */
  readonly held: boolean | null
  /** p95 latency of the judged report, ms (null: no call completed). */
  readonly p95: number | null
  /** Failed calls (drops included) over all calls, 0-1. */
  readonly errorRate: number
  /** Calls completed per second. */
  readonly throughput: number
  readonly count: number
  /** The seed to replay the run with, when it had one. */
  readonly seed: number | null
  /** The chart's time axis: where it starts and ends, in seconds from the start of the run. */
  readonly fromS: number
  readonly toS: number
  /**
   * The fault windows on the chart, in seconds from the start of the run (healedS null: never healed),
   * with what each did to the run (`faultImpact`): how long until callers saw errors (null: they never
   * did) and how long they kept failing after the heal (null: errors never stopped, or no heal), both
   * read from the per-interval series: within `resolutionMs`, the report's interval.
   */
  readonly faults: readonly {
    readonly name: string
    readonly startS: number
    readonly healedS: number | null
    readonly detectionMs: number | null
    readonly recoveryMs: number | null
    readonly resolutionMs: number
  }[]
}

/** What a chart carries besides its picture: the facts of the verdict and the judged report as JSON. */
export interface ChartData {
  readonly facts: ChartFacts
  readonly report: LoadReportJSON
}

// The data rides in the SVG itself, so a chart file (or an attachment, or a shard's blob) is enough to
// rebuild a report from: one <metadata> element right after the opening <svg> tag.
const DATA_OPEN = '<metadata data-faultline="chart">'
const DATA = /<metadata data-faultline="chart">([\s\S]*?)<\/metadata>/

/**
 * An SVG chart with its data embedded (a `<metadata>` element, invisible when drawn).
 *
 * @example
 * writeFileSync(path, embedChartData(renderLoadChart(report), { facts, report: report.toJSON() }))
 */
export function embedChartData(svg: string, data: ChartData): string {
  const open = svg.indexOf('<svg')
  const end = open === -1 ? -1 : svg.indexOf('>', open)
  if (end === -1) throw new Error('embedChartData: svg: expected an SVG document, got no <svg> tag')
  return `${svg.slice(0, end + 1)}${DATA_OPEN}${escapeHtml(JSON.stringify(data))}</metadata>${svg.slice(end + 1)}`
}

/**
 * The data a chart carries (undefined for an SVG without it, or with data that does not parse).
 *
 * @example
 * readChartData(readFileSync('reports/charts/src_checkout.test.ts/checkout-1.svg', 'utf8'))?.facts.p95
 */
export function readChartData(svg: string): ChartData | undefined {
  const match = DATA.exec(svg)
  if (!match) return undefined
  try {
    return JSON.parse(unescapeHtml(match[1]!)) as ChartData
  } catch {
    return undefined
  }
}

/**
 * The SVG without its embedded data, e.g. to inline it in HTML that shows the data elsewhere.
 *
 * @example
 * withoutChartData(svg).includes('<metadata') // false
 */
export function withoutChartData(svg: string): string {
  return svg.replace(DATA, '')
}

/** The first words of a `faultline:chart` annotation's message, before the chart's path. */
export const CHART_MESSAGE_PREFIX = 'Faultline chart: '
