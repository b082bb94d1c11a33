// Type tests of the matcher declarations (checked by `tsc -p tsconfig.json`, which `npm run typecheck`
// runs in CI): Faultline's matchers are merged into Vitest's `expect` with their argument types, async
// ones return a promise, and a project's own matcher is typed the same way by declaration merging.
// test/ci/fixtures/packed/types.test-d.ts checks the fixtures' types and a few matchers against the
// packed declarations too.
import type { History, LoadReport, Monitor } from '@faultline/core'
import type { StartedUpstream } from '@faultline/http'
import { expect, test } from '@faultline/vitest'
import {
  asReport,
  type RecoverWithinOptions,
  requireFloors,
  type VerdictResult,
  verdict,
} from '@faultline/vitest/matchers'
import { expectTypeOf, type MatcherState } from 'vitest'

declare const report: LoadReport
declare const history: History<number>
declare const monitor: Monitor
declare const upstream: StartedUpstream
declare const call: (signal: AbortSignal) => Promise<unknown>

test("Faultline's matchers are declared with their arguments", async () => {
  expectTypeOf(expect(report).toHaveP95Below(500)).toEqualTypeOf<void>()
  expectTypeOf(expect(report).toHavePercentileBelow(99.9, 2_000, { minSamples: 500 })).toEqualTypeOf<void>()
  expectTypeOf(expect(report).toHaveErrorRateBelow(0.01)).toEqualTypeOf<void>()
  expectTypeOf(expect(report).toMeetSLO({ p99: 1_000, throughput: 100 })).toEqualTypeOf<void>()
  expectTypeOf(
    expect(report).toHaveOutcomesAtMost({ 'HTTP 429': 0, ok: 20 }, { minSamples: 50 }),
  ).toEqualTypeOf<void>()
  expectTypeOf(expect(report).toHavePercentileWithin(95, { factor: 1.5, of: report })).toEqualTypeOf<void>()
  expectTypeOf(expect(history).toHaveNoLostWrites([1, 2])).toEqualTypeOf<void>()
  expectTypeOf(expect(monitor).toNeverExceed(10, { maxFailures: 2 })).toEqualTypeOf<void>()
  expectTypeOf(expect(monitor).toBeStable({ maxGrowth: 1024 })).toEqualTypeOf<void>()
  expectTypeOf(expect(upstream).toHaveReceivedAtMost(3, { during: { from: 0 } })).toEqualTypeOf<void>()
  const recover: RecoverWithinOptions = { interval: 50, successes: 2 }
  expectTypeOf(expect(call).toRecoverWithin(5_000, recover)).toEqualTypeOf<Promise<void>>()
  expectTypeOf(expect(call).toFailFastWithin(2_000, { calls: 3 })).toEqualTypeOf<Promise<void>>()

  // @ts-expect-error a latency budget is a number of ms, not a string
  expect(report).toHaveP95Below('500')
  // @ts-expect-error minSamples is a number
  expect(report).toHaveP99Below(500, { minSamples: '100' })
  // @ts-expect-error toHavePercentileWithin needs { factor, of }
  expect(report).toHavePercentileWithin(95, { factor: 1.5 })
  // @ts-expect-error toBeStable needs maxGrowth
  expect(monitor).toBeStable({ minSamples: 10 })
  // @ts-expect-error RecoverOptions is RecoverWithinOptions, and intervalMs is interval
  expect(call).toRecoverWithin(5_000, { intervalMs: 50 })
  // @ts-expect-error a matcher nobody declared
  expect(report).toHaveP97Below(500)
})

// A project's own matcher: declared by merging into Vitest's `Matchers`, implemented with the public
// building blocks, registered with expect.extend.
declare module 'vitest' {
  interface Matchers<R, T> {
    toHaveFewRequests(max: number, options?: { readonly minSamples?: number }): R
    toSettleWithin(ms: number): Promise<R>
  }
}

function toHaveFewRequests(this: MatcherState, received: unknown, max: number): VerdictResult {
  const r = asReport(received, 'toHaveFewRequests')
  requireFloors(r, [])
  return verdict(this, {
    matcher: 'toHaveFewRequests',
    args: [max],
    pass: r.count <= max,
    finding: `${r.count} requests`,
    notExpected: `more than ${max}`,
  })
}

test('a project matcher is typed by declaration merging', async () => {
  expect.extend({ toHaveFewRequests })
  const wrong = (_received: unknown, max: string) => ({ pass: max === '', message: () => '' })
  // @ts-expect-error the implementation must take what the declaration says (max is a number)
  expect.extend({ toHaveFewRequests: wrong })

  expectTypeOf(expect(report).toHaveFewRequests(10)).toEqualTypeOf<void>()
  expectTypeOf(expect(report).not.toHaveFewRequests(10, { minSamples: 5 })).toEqualTypeOf<void>()
  expectTypeOf(expect(call).toSettleWithin(100)).toEqualTypeOf<Promise<void>>()
  // @ts-expect-error max is a number
  expect(report).toHaveFewRequests('10')
})
