import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Timeline } from '../timeline.js'
import { arbitraryShards, recordShards } from './merge.test-support.js'
import { LoadRecorder } from './recorder.js'
import { LoadReport } from './report.js'
import type { MergeAlign } from './report-merge.js'

const PERCENTILES = [0, 1, 50, 90, 95, 99, 99.9, 100]

/** Every number a matcher or a chart reads from a report, tags included. */
function numbers(r: LoadReport): unknown {
  return {
    count: r.count,
    ok: r.ok,
    errors: r.errors,
    dropped: r.dropped,
    completed: r.completed,
    errorRate: r.errorRate,
    activeMs: r.activeMs,
    throughput: r.throughput,
    durationMs: r.durationMs,
    windowStartMs: r.windowStartMs,
    startedAt: r.startedAt,
    intervalMs: r.intervalMs,
    errorsByKind: r.errorsByKind,
    latency: [r.latency.count, r.min, r.max, r.mean, r.sd, ...PERCENTILES.map((p) => r.percentile(p))],
    lag: r.schedulingLag && [r.schedulingLag.count, r.schedulingLag.percentile(99), r.schedulingLag.max],
    series: r.series,
    tags: Object.fromEntries(
      r.tags.toSorted().map((tag) => {
        const { tags: _, lag: __, ...rest } = numbers(r.tag(tag)) as Record<string, unknown>
        return [tag, rest]
      }),
    ),
  }
}

describe('LoadReport.merge', () => {
  for (const align of ['clock', 'start'] as const satisfies readonly MergeAlign[]) {
    it(`equals one report of every shard's samples, align '${align}' (fast-check)`, () => {
      fc.assert(
        fc.property(arbitraryShards, (shards) => {
          const { reports, whole } = recordShards(shards, align, 42)
          const merged = LoadReport.merge(reports, { align })
          expect(numbers(merged)).toEqual(numbers(whole))
          expect([merged.runs, merged.seeds, merged.seed]).toEqual([shards.length, [42], 42])
          // A window of the merged report is the same window of the whole run.
          const end = whole.durationMs
          expect(numbers(merged.window(0, end / 2 + 1))).toEqual(numbers(whole.window(0, end / 2 + 1)))
          // Lossless JSON: the rebuilt report writes the same JSON, windows and merges again.
          const again = LoadReport.fromJSON(JSON.parse(JSON.stringify(merged)))
          expect(again.toJSON()).toEqual(merged.toJSON())
          expect(numbers(again.window(0, end / 2 + 1))).toEqual(numbers(whole.window(0, end / 2 + 1)))
          const fromJson = reports.map((r) => LoadReport.fromJSON(JSON.parse(JSON.stringify(r))))
          // (Their HdrHistograms encode the same counts under another header: compare what they hold.)
          expect(numbers(LoadReport.merge(fromJson, { align }))).toEqual(numbers(whole))
        }),
        { numRuns: 100 },
      )
    }, 120_000) // a shared machine can be many times slower than this one's 3 s
  }

  it('is the same whichever order the reports come in, and merges merged reports', () => {
    fc.assert(
      fc.property(arbitraryShards, (shards) => {
        const { reports } = recordShards(shards, 'clock', 7)
        const merged = LoadReport.merge(reports)
        expect(numbers(LoadReport.merge(reports.toReversed()))).toEqual(numbers(merged))
        const [head, ...rest] = reports
        if (rest.length > 0) {
          const nested = LoadReport.merge([head!, LoadReport.merge(rest)])
          expect(numbers(nested)).toEqual(numbers(merged))
          expect(nested.runs).toBe(reports.length)
        }
      }),
      { numRuns: 50 },
    )
  }, 120_000)

  it('keeps every seed, and a seed only when all runs share it', () => {
    const run = (seed: number | undefined) => {
      const recorder = new LoadRecorder({ startedAt: 0, ...(seed === undefined ? {} : { seed }) })
      recorder.record({ startMs: 0, latencyMs: 1 })
      return recorder.finish(1000)
    }
    const merged = LoadReport.merge([run(1), run(2), run(1)])
    expect([merged.seed, merged.seeds, merged.runs]).toEqual([undefined, [1, 2], 3])
    expect(merged.summary().split('\n')[0]).toBe(
      'load (closed model, function) 1.0 s, 3 runs merged, seeds 1, 2',
    )
    expect(LoadReport.merge([run(1), run(1)]).summary()).toMatch(/^load .* 1\.0 s, seed 1, 2 runs merged\n/)
    expect(LoadReport.merge([run(3), run(undefined)]).seed).toBeUndefined()
    const json = JSON.parse(JSON.stringify(merged))
    expect([json.seeds, json.runs, 'seed' in json]).toEqual([[1, 2], 3, false])
    expect(LoadReport.fromJSON(json).seeds).toEqual([1, 2])
    // A single run's JSON has neither.
    expect('runs' in JSON.parse(JSON.stringify(run(1)))).toBe(false)
  })

  it('unites the timelines, each fault once, and the monitors per name', () => {
    const timeline = new Timeline()
    timeline.start('redis paused', { at: 10_500, target: 'redis' }).heal(11_500)
    const shard = (startedAt: number, value: number) => {
      const recorder = new LoadRecorder({ startedAt, timeline })
      for (let i = 0; i < 20; i++) recorder.record({ startMs: i * 100, latencyMs: 5 })
      return recorder.finish(2000).withMonitors({
        name: 'pg connections',
        unit: 'connections',
        intervalMs: 500,
        failures: 1,
        startedAt,
        samples: [{ atMs: 0, value }],
      } as never)
    }
    const merged = LoadReport.merge([shard(10_000, 3), shard(11_000, 4)])
    expect(merged.faults).toEqual([
      { name: 'redis paused', target: 'redis', startedAt: 10_500, healedAt: 11_500 },
    ])
    expect(merged.monitor('pg connections')).toEqual({
      name: 'pg connections',
      unit: 'connections',
      intervalMs: 500,
      failures: 2,
      samples: [
        { atMs: 0, value: 3 },
        { atMs: 1000, value: 4 },
      ],
    })
    // 0.5-1.5 s after the first start, widened to 0.0-2.0 s: the first run's 20 calls, the second's first 10.
    expect(merged.during('redis paused').count).toBe(30)
    // From their starts, the second run's fault moves with it: two windows of the same fault.
    const started = LoadReport.merge([shard(10_000, 3), shard(11_000, 4)], { align: 'start' })
    expect(started.faults.map((f) => [f.startedAt, f.healedAt])).toEqual([
      [9_500, 10_500],
      [10_500, 11_500],
    ])
    expect(started.monitor('pg connections').samples.map((s) => s.atMs)).toEqual([0, 0])
    expect(started.toJSON().faultImpact).toHaveLength(2)
  })

  it("merges two shards' windows of one fault as the merged report's window of it", () => {
    const timeline = new Timeline()
    timeline.start('cache stopped', { at: 5_000_300 }).heal(5_001_700)
    const shard = (slow: number) => {
      const recorder = new LoadRecorder({ startedAt: 5_000_000, timeline, interval: 250, seed: 1 })
      for (let i = 0; i < 300; i++) {
        const down = i * 10 >= 300 && i * 10 < 1700
        recorder.record({
          startMs: i * 10,
          latencyMs: down ? slow : 3,
          ...(down && i % 3 ? { error: 'ECONNREFUSED' } : {}),
        })
      }
      return recorder.finish(3000)
    }
    const [a, b] = [shard(50), shard(900)]
    const windows = LoadReport.merge([a.during('cache stopped'), b.during('cache stopped')])
    expect(numbers(windows)).toEqual(numbers(LoadReport.merge([a, b]).during('cache stopped')))
    expect([windows.windowStartMs, windows.durationMs, windows.count]).toEqual([250, 1500, 300])
  })

  it('re-buckets finer intervals into the widest exactly', () => {
    const fine = new LoadRecorder({ startedAt: 0, interval: 250 })
    const coarse = new LoadRecorder({ startedAt: 0, interval: 1000 })
    const whole = new LoadRecorder({ startedAt: 0, interval: 1000 })
    for (let i = 0; i < 400; i++) {
      const into = i % 2 === 0 ? fine : coarse
      into.record({ startMs: i * 10, latencyMs: (i * 37) % 500 })
      whole.record({ startMs: i * 10, latencyMs: (i * 37) % 500 })
    }
    const merged = LoadReport.merge([fine.finish(4000), coarse.finish(4000)])
    expect(merged.intervalMs).toBe(1000)
    expect(merged.series).toEqual(whole.finish(4000).series)
  })

  it('refuses what it cannot merge exactly, naming the report and the fix', () => {
    const run = (options: {
      startedAt: number
      interval?: number
      unit?: string
      model?: 'open' | 'closed'
    }) => {
      const recorder = new LoadRecorder(options)
      recorder.record({ startMs: 0, latencyMs: 1 })
      return recorder.finish(1000)
    }
    const a = run({ startedAt: 1000 })
    expect(() => LoadReport.merge([a, run({ startedAt: 1250 })])).toThrowError(
      "reports[1]: it started 250 ms after reports[0], off the 1,000 ms grid of its intervals, so its series cannot be laid on the others' exactly. Pass { align: 'start' } to lay the runs over one another from their starts (shards that ran side by side), or start every run on one grid (LoadRecorder's startedAt)",
    )
    expect(LoadReport.merge([a, run({ startedAt: 1250.5 })], { align: 'start' }).count).toBe(2)
    expect(() => LoadReport.merge([a, run({ startedAt: 1000, interval: 300 })])).toThrowError(
      "reports[1]: its 300 ms intervals do not divide the 1,000 ms intervals of reports[0], so its series cannot be re-bucketed exactly; record every run with one interval (the load's interval option)",
    )
    expect(() => LoadReport.merge([a, run({ startedAt: 1000, unit: 'requests' })])).toThrowError(
      'reports[1]: expected the unit of reports[0] ("calls"), got "requests"; merge only runs that measured the same thing',
    )
    expect(() => LoadReport.merge([a, run({ startedAt: 1000, model: 'open' })])).toThrowError(
      /^reports\[1\]: expected the model of reports\[0\] \("closed"\), got "open"/,
    )
    expect(() => LoadReport.merge([a, run({ startedAt: 1000 }), a])).toThrowError(
      "reports[2]: is reports[0] again: its calls would count twice; pass each run's report once",
    )
    expect(() => LoadReport.merge([])).toThrowError(
      'reports: expected a non-empty array of LoadReports, got []',
    )
    expect(() => LoadReport.merge([a, { count: 3 } as never])).toThrowError(
      /^reports\[1\]: expected a LoadReport/,
    )
    expect(() => LoadReport.merge([a], { align: 'wall' as never })).toThrowError(
      "options.align: expected one of 'clock', 'start', got \"wall\"",
    )
    const { intervals: _, ...older } = a.toJSON()
    expect(() => LoadReport.merge([a, LoadReport.fromJSON(older)])).toThrowError(
      /^reports\[1\]: it has no per-interval histograms/,
    )
  })
})
