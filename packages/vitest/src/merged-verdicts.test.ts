import { isFaultlineError, LoadReport, type MergeAlign } from '@faultline/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { arbitraryShards, recordShards } from '../../core/src/load/merge.test-support.js'
import { faultlineMatchers, formatWindow } from './matchers/index.js'

expect.extend(faultlineMatchers)

/**
 * What an assertion on `report` did: passed, failed with its message, or refused (too few samples) with
 * it. The message's window is kept, not what follows it: one run's seed, or a merged report's runs and
 * seeds, which differ between the merged report and the one report of all its samples by design.
 */
function outcome(report: LoadReport, assert: () => void): string {
  try {
    assert()
    return 'passed'
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const window = formatWindow(report)
    const normalized = message.replaceAll(window, window.replace(/, (seed|\d+ runs merged).*$/, ''))
    return `${isFaultlineError(error) ? error.code : 'failed'}: ${normalized}`
  }
}

interface Limits {
  readonly percentile: number
  readonly latency: number
  readonly errorRate: number
  readonly throughput: number
  readonly minSamples: number | undefined
}

const limits: fc.Arbitrary<Limits> = fc.record({
  percentile: fc.constantFrom(50, 90, 95, 99, 99.9),
  latency: fc.integer({ min: 0, max: 3_000 }),
  errorRate: fc.integer({ min: 0, max: 60 }).map((n) => n / 100),
  throughput: fc.integer({ min: 1, max: 300 }),
  minSamples: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
})

/** Every load matcher of Faultline, with and without `.not`, on `report`. */
function verdicts(report: LoadReport, l: Limits): string[] {
  const options = l.minSamples === undefined ? undefined : { minSamples: l.minSamples }
  const min = l.minSamples === undefined ? {} : { minSamples: l.minSamples }
  const slo = { p95: l.latency, p99: l.latency * 2, errorRate: l.errorRate, throughput: l.throughput, ...min }
  const judged = [report, ...report.tags.map((tag) => report.tag(tag))]
  return judged.flatMap((r) => [
    outcome(r, () => expect(r).toHavePercentileBelow(l.percentile, l.latency, options)),
    outcome(r, () => expect(r).not.toHavePercentileBelow(l.percentile, l.latency, options)),
    outcome(r, () => expect(r).toHaveP95Below(l.latency, options)),
    outcome(r, () => expect(r).toHaveErrorRateBelow(l.errorRate, options)),
    outcome(r, () => expect(r).not.toHaveErrorRateBelow(l.errorRate, options)),
    outcome(r, () => expect(r).toHaveThroughputAtLeast(l.throughput)),
    outcome(r, () =>
      expect(r).toHaveOutcomesAtMost(
        { ok: l.throughput * 3, 'HTTP 503': Math.floor(l.throughput / 10) },
        options,
      ),
    ),
    outcome(r, () => expect(r).toMeetSLO(slo)),
    outcome(r, () =>
      expect(r).toMeetSLO({ p50: l.latency / 2, mean: l.latency, max: l.latency * 3, ...min }),
    ),
  ])
}

describe('matchers on merged reports', () => {
  for (const align of ['clock', 'start'] as const satisfies readonly MergeAlign[]) {
    it(`judge k merged shards exactly as one report of all their samples, align '${align}' (fast-check)`, () => {
      let judged = 0
      fc.assert(
        fc.property(arbitraryShards, limits, (shards, l) => {
          const { reports, whole } = recordShards(shards, align, 42)
          const merged = LoadReport.merge(reports, { align })
          const onWhole = verdicts(whole, l)
          // Same verdict, same message (numbers, floors, window, hints): every line of it.
          expect(verdicts(merged, l)).toEqual(onWhole)
          // Where the one report names its seed, the merged one names its runs and their seeds.
          if (reports.length > 1)
            expect(formatWindow(merged)).toContain(`${reports.length} runs merged, seeds`)
          // And after a round trip through JSON, as a shard's saved report comes back.
          expect(verdicts(LoadReport.fromJSON(JSON.parse(JSON.stringify(merged))), l)).toEqual(onWhole)
          judged += onWhole.filter((v) => v === 'passed' || v.startsWith('failed')).length
        }),
        { numRuns: 60 },
      )
      // The property is not vacuous: many assertions were judged (not only refused for thin samples).
      expect(judged).toBeGreaterThan(200)
    }, 120_000) // a shared machine can be many times slower than this one's 2 s
  }
})
