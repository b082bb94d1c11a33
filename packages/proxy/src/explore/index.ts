export type { CombinationOptions, CombinationsResult, ScheduleResult } from './combinations.js'
export {
  type ExploreCheck,
  type ExploreFinding,
  type ExploreOptions,
  type ExploreResult,
  explore,
  type JudgedRun,
  type PointOutcome,
  type PointResult,
} from './explore.js'
export {
  describePoint,
  type ExploredMessage,
  type ExploreFaultKind,
  type ExplorePoint,
  exploreFaultKinds,
  parsePointId,
} from './points.js'
export type { ExploreContext, ExploreOperation, ExploreState } from './run.js'
