// Charts of load runs anywhere Node runs (a script, a dashboard job, a merge of CI artifacts): this entry
// loads Faultline's core and ECharts, never Vitest, whose main entry only works inside a Vitest run.
export {
  CHART_COLORS,
  type ChartLimits,
  FAULT_OPACITY,
  type LoadChartOptions,
  loadChartOption,
  renderLoadChart,
} from './report/chart.js'
export {
  type ChartData,
  type ChartFacts,
  embedChartData,
  readChartData,
  withoutChartData,
} from './report/chart-data.js'
export { type ChartLayout, chartLayout, type Panel, type PanelKind, xOf } from './report/layout.js'
