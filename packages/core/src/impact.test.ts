import { describe, expect, it } from 'vitest'
import { faultImpact } from './impact.js'
import { LoadRecorder } from './load/recorder.js'
import { LoadReport } from './load/report.js'
import { Timeline } from './timeline.js'

// 10 calls a second for 5 s, 100 ms intervals; the cache is stopped from 1.0 s to 2.0 s. Callers fail from
// 1.2 s (the first interval with an error starts 200 ms into the fault) until 2.5 s (500 ms after the heal).
function outageReport(): LoadReport {
  const timeline = new Timeline()
  timeline.add({ name: 'cache stopped', target: 'cache', startedAt: 1_000, healedAt: 2_000 })
  timeline.add({ name: 'never healed', target: 'db', startedAt: 4_000 })
  const recorder = new LoadRecorder({ startedAt: 0, interval: 100, timeline })
  for (let at = 0; at < 5_000; at += 100) {
    const failing = at >= 1_200 && at < 2_500
    recorder.record({ startMs: at, latencyMs: 5, ...(failing ? { error: 'ECONNREFUSED' } : {}) })
  }
  return recorder.finish(5_000)
}

describe('faultImpact', () => {
  it('measures detection and recovery from the per-interval series', () => {
    const impact = faultImpact(outageReport(), 'cache stopped')
    expect(impact).toMatchObject({
      detectionMs: 200,
      recoveryMs: 500,
      calls: 10,
      errors: 8,
      resolutionMs: 100,
    })
    expect(impact.fault.name).toBe('cache stopped')
  })

  it('says null where callers never recovered because the fault never healed', () => {
    const impact = faultImpact(outageReport(), 'never healed')
    expect([impact.detectionMs, impact.recoveryMs]).toEqual([null, null])
  })

  it('is stored in the report JSON for every fault, and survives a round trip', () => {
    const report = outageReport()
    const json = JSON.parse(JSON.stringify(report))
    expect(json.faultImpact).toEqual([
      {
        fault: expect.objectContaining({ name: 'cache stopped' }),
        detectionMs: 200,
        recoveryMs: 500,
        calls: 10,
        errors: 8,
        resolutionMs: 100,
      },
      expect.objectContaining({ fault: expect.objectContaining({ name: 'never healed' }), recoveryMs: null }),
    ])
    expect(LoadReport.fromJSON(json).toJSON()).toEqual(report.toJSON())
  })

  it('is an empty list in the JSON of a run without faults', () => {
    const recorder = new LoadRecorder({ startedAt: 0 })
    recorder.record({ startMs: 0, latencyMs: 1 })
    expect(recorder.finish(1_000).toJSON().faultImpact).toEqual([])
  })
})
