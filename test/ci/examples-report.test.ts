import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { checkReportInChromium } from '../../packages/vitest/src/report/browser-check.test-support.js'
import { runVitest } from '../services/nested-vitest.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const REPORTER = join(ROOT, 'packages/vitest/src/reporter.ts')
/** Where the check leaves its screenshot of the examples' report (git-ignored). */
const SCREENSHOT = join(ROOT, 'reports', 'faultline-examples.png')

// The examples' load runs (examples/payments/src/balance-slo.test.ts) as `bash scripts/run.sh examples`
// runs them: the repository's config, the Faultline reporter beside the others. A run of its own, in a
// scratch directory (its charts and report go there, not over this run's), with containers of its own.
describe("the examples' report", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-examples-report-'))
  const html = join(scratch, 'faultline.html')
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('has a chart per load run, each fault window where the timeline put it, and the failing SLO shows its cause', async () => {
    const { code, output } = await runVitest(ROOT, {
      timeoutMs: 240_000,
      cwd: scratch,
      env: { FAULTLINE_CHARTS: '1', NO_COLOR: '1' },
      args: [
        '--project',
        'example-payments',
        'balance-slo',
        `--reporter=${REPORTER}`,
        `--outputFile.faultline=${html}`,
      ],
      inspect: async (run) => run,
    })
    expect(code, output).toBe(0)
    expect(existsSync(html), output).toBe(true)

    const charts = await checkReportInChromium(html, { screenshot: SCREENSHOT })
    // Three judged runs: toMeetSLO and the error rate during the outage on the hardened read, toMeetSLO on
    // the naive one. Each shades the cache-stopped window.
    const matcher = (assertion: string) => /\.(to\w+)\(/.exec(assertion)?.[1]
    expect(charts.map((c) => [matcher(c.facts.assertion), c.facts.held])).toEqual([
      ['toMeetSLO', true],
      ['toHaveErrorRateBelow', true],
      ['toMeetSLO', false],
    ])
    for (const chart of charts)
      expect(chart.facts.faults.map((f) => f.name)).toEqual(['balance-cache stopped'])

    // The failing SLO's chart makes the cause visible: callers failed within an interval of the stop.
    const failing = charts[2]!.facts
    expect(failing.errorRate).toBeGreaterThan(0.1)
    expect(failing.faults[0]!.detectionMs).not.toBeNull()
    expect(failing.faults[0]!.detectionMs).toBeLessThanOrEqual(failing.faults[0]!.resolutionMs)
    // …and the report's terminal line and HTML say what it did.
    expect(output).toMatch(
      /without a fallback[^\n]*: toMeetSLO FAILED: [^\n]*balance-cache stopped [\d.]+-[\d.]+ s \(errors after/,
    )
    expect(readFileSync(html, 'utf8')).toContain('FAILED')
  }, 300_000)
})
