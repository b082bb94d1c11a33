export { expect } from 'vitest'
export {
  BreakerObserver,
  type BreakerState,
  type BreakerTransition,
  type BreakerWindow,
  type CockatielBreakerLike,
  type ObserveBreakerOptions,
  type OpossumBreakerLike,
  observeBreaker,
} from './breaker.js'
export { type PostgresFixture, type RabbitMQFixture, type RedisFixture, test } from './fixtures.js'
export { faultlineMatchers } from './matchers/index.js'
export type { FaultlineProvided } from './provided.js'
export {
  CHART_COLORS,
  type ChartLimits,
  FAULT_OPACITY,
  type LoadChartOptions,
  loadChartOption,
  renderLoadChart,
} from './report/chart.js'
export { type ChartLayout, chartLayout, type Panel, type PanelKind, xOf } from './report/layout.js'
export { Services, useServices } from './services.js'
