// The messages shown in docs/verdicts.md, produced here by the matchers: each `<!-- verdict:name -->` block of
// the page must be exactly what the matcher says, so the page cannot drift from the code.
import { readFileSync } from 'node:fs'
import { LoadRecorder, type LoadReport, type MonitorSeries } from '@faultline/core'
import { describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

const page = readFileSync(new URL('../../../../docs/verdicts.md', import.meta.url), 'utf8')

/** The text block the page shows under `<!-- verdict:name -->`. */
function shown(name: string): string {
  const block = new RegExp(`<!-- verdict:${name} -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\``).exec(page)?.[1]
  expect(block, `docs/verdicts.md shows verdict:${name}`).toBeDefined()
  return block!
}

/** The message `assertion` throws. */
function said(assertion: () => void): string {
  try {
    assertion()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the assertion passed')
}

/** The reproduction: 200 arrivals/s for 2 s, a 1 s stall, 20 in flight: 180 of 400 dropped. */
function stalled(): LoadReport {
  const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0, model: 'open' })
  for (let i = 0; i < 400; i++) {
    const startMs = i * 5
    if (startMs >= 100 && startMs < 1_000) recorder.drop(startMs)
    else recorder.record({ startMs, latencyMs: startMs < 100 ? 1_000 - startMs : 4 })
  }
  return recorder.finish(2_000)
}

function oneCall(): LoadReport {
  const recorder = new LoadRecorder({ unit: 'requests', seed: 42, startedAt: 0 })
  recorder.record({ startMs: 0, latencyMs: 2 })
  return recorder.finish(1)
}

describe('docs/verdicts.md', () => {
  it('shows what toMeetSLO and toHaveP95Below say about dropped arrivals', () => {
    expect(said(() => expect(stalled()).toMeetSLO({ p95: 500, errorRate: 0.01, throughput: 100 }))).toBe(
      shown('slo-drops'),
    )
    expect(said(() => expect(stalled()).toHaveP95Below(500))).toBe(shown('p95-drops'))
  })

  it('shows the refusals of a run too short to judge', () => {
    expect(said(() => expect(oneCall()).toMeetSLO({ max: 100, errorRate: 0 }))).toBe(shown('too-few'))
    expect(said(() => expect(oneCall()).toHaveThroughputAtLeast(500))).toBe(shown('throughput-floor'))
  })

  it('shows the refusal of a monitor whose samples failed', () => {
    const monitor: MonitorSeries = {
      name: 'pg connections',
      unit: 'connections',
      intervalMs: 50,
      failures: 12,
      samples: [
        { atMs: 0, value: 3 },
        { atMs: 50, value: 4 },
      ],
    }
    expect(said(() => expect(monitor).toNeverExceed(5))).toBe(shown('failed-samples'))
  })
})
