// Type tests of exploration (checked by `tsc -p tsconfig.json`, which `npm run typecheck` runs in CI):
// the matcher is declared on `expect` and must be awaited, its options are typed, and explore()'s result
// says what each point found.
import type { RedisService } from '@faultline/containers'
import { type ExploreResult, explore, type PointOutcome } from '@faultline/proxy'
import { expect, test } from '@faultline/vitest'
import { atomicity, noMessageLost } from '@faultline/vitest/matchers'
import { expectTypeOf } from 'vitest'

declare const operation: (context: { url: string; signal: AbortSignal }) => Promise<void>
declare const redis: RedisService

test('toSurviveEveryFault is declared, async, with typed options', async () => {
  expectTypeOf(
    expect(operation).toSurviveEveryFault({ service: redis, check: atomicity({ keys: ['stock'] }) }),
  ).toEqualTypeOf<Promise<void>>()
  expectTypeOf(
    expect(operation).toSurviveEveryFault({
      service: redis,
      check: noMessageLost({ queues: ['orders'] }),
      faults: ['cut', 'inFlight', 'reset', 'delay'],
      delay: 500,
      combinations: { size: 3, runs: 20, within: 10_000 },
      replay: 'cut@Q#2',
      seed: 42,
    }),
  ).toEqualTypeOf<Promise<void>>()
  // @ts-expect-error: not a fault kind
  await expect(operation).toSurviveEveryFault({ service: redis, check: () => undefined, faults: ['explode'] })
})

test("explore()'s result: every point's outcome, the first failure, the pairs", async () => {
  const result = await explore(operation, {
    fresh: () => redis.isolate(),
    check: ({ rejected }) => (rejected ? 'x' : undefined),
  })
  expectTypeOf(result).toEqualTypeOf<ExploreResult>()
  expectTypeOf(result.points[0]!.outcome).toEqualTypeOf<PointOutcome>()
  expectTypeOf(result.firstFailure?.point.id).toEqualTypeOf<string | undefined>()
  expectTypeOf(result.combinations?.failure?.id).toEqualTypeOf<string | undefined>()
})
