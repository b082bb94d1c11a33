import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { faultImpact, LoadReport } from '@faultline/core'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { faultlineMatchers } from '../matchers/index.js'
import { toHaveErrorRateBelow } from '../matchers/to-have-error-rate-below.js'
import { readChartData, sanitise } from './attach.js'
import { CHART_COLORS } from './chart.js'
import { faultedRun, xmlProblem } from './load-run.test-support.js'

expect.extend(faultlineMatchers)

// The project's config switches charts off for the matchers' snapshot tests; on here.
afterEach(() => {
  vi.unstubAllEnvs()
})

const CHART_LINE = /\nChart: (reports\/charts\/[\w.-]+\/[\w.-]+-(\d+)\.svg)$/

function failure(assertion: () => void): string {
  try {
    assertion()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the assertion passed')
}

describe('a judged report gets its chart', () => {
  let report: LoadReport

  beforeAll(async () => {
    // A real run: 240 arrivals at 100/s, every call failing from 0.8 s to 1.6 s (about a third).
    report = (await faultedRun('error', 'api down')).report
  }, 60_000)

  it('written under reports/charts/, attached to the test, and named at the end of a failing message', async ({
    task,
  }) => {
    vi.stubEnv('FAULTLINE_CHARTS', '1')
    const message = failure(() => expect(report).toHaveErrorRateBelow(0.01))
    const [, path, n] = CHART_LINE.exec(message) ?? []
    expect(path, message).toBeDefined()
    expect(n).toBe('1')
    expect(path).toBe(
      `reports/charts/${sanitise('packages/vitest/src/report/attach.test.ts')}/${sanitise(task.fullTestName!)}-1.svg`,
    )
    const svg = readFileSync(resolve(path!), 'utf8')
    expect(xmlProblem(svg)).toBeUndefined()
    // The matcher's limit, dashed, and the verdict in the title.
    expect(svg).toContain('>error rate limit 1 %</text>')
    expect(svg).toMatch(new RegExp(`stroke="${CHART_COLORS.limit}"[^>]*stroke-dasharray`))
    expect(svg).toContain('FAILED: expect(report).toHaveErrorRateBelow(0.01)')
    expect(svg).toContain('>api down</text>')

    // A passing matcher draws its chart too (the second of this test), with its own limit.
    expect(report).toHaveP95Below(60_000)
    const second = path!.replace(/-1\.svg$/, '-2.svg')
    expect(existsSync(resolve(second))).toBe(true)
    expect(readFileSync(resolve(second), 'utf8')).toContain('>p95 limit 60,000 ms</text>')

    // Both recorded as annotations with the SVG attached (Vitest records them asynchronously).
    await vi.waitFor(
      () => expect(task.annotations.filter((a) => a.type === 'faultline:chart')).toHaveLength(2),
      { timeout: 30_000, interval: 20 },
    )
    const [first] = task.annotations.filter((a) => a.type === 'faultline:chart')
    // One line, the path: a failing test's annotations are printed by Vitest's default reporter.
    expect(first!.message).toBe(`Faultline chart: ${path}`)
    expect(first!.attachment?.contentType).toBe('image/svg+xml')
    expect(Buffer.from(first!.attachment!.body as string, 'base64').toString('utf8')).toBe(svg)
    // The SVG carries the numbers the reporter prints: the judged report's, the verdict, the seed and the
    // fault window with what it did; and the judged report's JSON.
    const data = readChartData(svg)
    expect(data?.facts).toEqual({
      assertion: 'expect(report).toHaveErrorRateBelow(0.01)',
      held: false,
      p95: report.p95,
      errorRate: report.errorRate,
      throughput: report.throughput,
      count: report.count,
      seed: 7,
      fromS: report.windowStartMs / 1000,
      toS: (report.windowStartMs + report.durationMs) / 1000,
      faults: [
        {
          name: 'api down',
          startS: expect.any(Number),
          healedS: expect.any(Number),
          detectionMs: faultImpact(report, 'api down').detectionMs,
          recoveryMs: faultImpact(report, 'api down').recoveryMs,
          resolutionMs: report.intervalMs,
        },
      ],
    })
    expect(data!.facts.faults[0]!.startS).toBeGreaterThan(0.5)
    // Every call failed inside the window: callers saw it within one interval.
    expect(data!.facts.faults[0]!.detectionMs).toBeLessThanOrEqual(report.intervalMs)
    expect(data!.report).toEqual(JSON.parse(JSON.stringify(report)))
    expect(LoadReport.fromJSON(data!.report).p95).toBe(report.p95)
  })

  it('toMeetSLO draws every line of the SLO', () => {
    vi.stubEnv('FAULTLINE_CHARTS', '1')
    const message = failure(() => expect(report).toMeetSLO({ p99: 60_000, errorRate: 0.01 }))
    const [, path] = CHART_LINE.exec(message) ?? []
    const svg = readFileSync(resolve(path!), 'utf8')
    expect(svg).toContain('>p99 limit 60,000 ms</text>')
    expect(svg).toContain('>error rate limit 1 %</text>')
  })

  it('does nothing with FAULTLINE_CHARTS=0', () => {
    vi.stubEnv('FAULTLINE_CHARTS', '0')
    const message = failure(() => expect(report).toHaveErrorRateBelow(0.01))
    expect(message).not.toContain('Chart:')
    expect(message.split('\n').at(-1)).toMatch(/^Hint: errors by kind/)
  })

  it('does nothing outside a test (no current test on the matcher state)', () => {
    vi.stubEnv('FAULTLINE_CHARTS', '1')
    const result = toHaveErrorRateBelow.call({ isNot: false } as never, report, 0.01)
    expect(result.pass).toBe(false)
    expect(result.message()).not.toContain('Chart:')
  })
})
