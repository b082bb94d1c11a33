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
// The charts (also `@faultline/vitest/chart`, which loads no Vitest).
export * from './chart.js'
export { type PostgresFixture, type RabbitMQFixture, type RedisFixture, test } from './fixtures.js'
export { faultlineMatchers } from './matchers/index.js'
export type { FaultlineProvided } from './provided.js'
export { loadReports, SAVED_REPORTS_DIR, type SavedReportOptions, saveReport } from './saved-reports.js'
export { Services, useServices } from './services.js'
