import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Vitest } from 'vitest/node'
import { type NestedRun, runNestedVitest } from './nested-vitest.test-support.js'
import { faultline } from './plugin.js'
import { checkReportInChromium } from './report/browser-check.test-support.js'
import { NOT_JUDGED } from './report/unjudged.js'
import { escapeHtml, FaultlineReporter } from './reporter.js'

const FIXTURE = fileURLToPath(new URL('../fixtures/reporter', import.meta.url))
/** Where the browser check leaves its screenshot of the report (git-ignored). */
const SCREENSHOT = fileURLToPath(new URL('../../../reports/faultline-report.png', import.meta.url))

/** Runs vitest in the fixture project (its own process, charts on) with `args`; its exit code and output. */
function runFixture(args: readonly string[]): Promise<NestedRun> {
  return runNestedVitest([...args, '--root', FIXTURE], { cwd: FIXTURE, env: { FAULTLINE_CHARTS: '1' } })
}

const REPORTER = fileURLToPath(new URL('./reporter.ts', import.meta.url))

/** One shard of the fixture suite (two files), with the Faultline reporter and a blob for the merge. */
function runShard(index: number): Promise<NestedRun> {
  return runFixture([
    'run',
    `--shard=${index}/2`,
    '--reporter=default',
    `--reporter=${REPORTER}`,
    '--reporter=blob',
    `--outputFile.blob=${join('reports', 'blob', `blob-${index}-2.json`)}`,
  ])
}

/** The lines of a run's output, trimmed. */
function linesOf(output: string): string[] {
  return output.split('\n').map((line) => line.trim())
}

describe('the Faultline reporter', () => {
  // The fixture suite run as CI would run it on two machines: `--shard=1/2` (the failing test's file) and
  // `--shard=2/2`, each writing its own report and a blob; then the documented merge of the blobs, which
  // writes the one report of the whole suite that the browser check opens.
  const reports = join(FIXTURE, 'reports')
  const file = join(reports, 'faultline.html')
  let shards: NestedRun[]
  let run: NestedRun
  beforeAll(async () => {
    rmSync(reports, { recursive: true, force: true })
    shards = await Promise.all([runShard(1), runShard(2)])
    run = await runFixture([
      '--merge-reports',
      join('reports', 'blob'),
      '--reporter=default',
      `--reporter=${REPORTER}`,
    ])
  }, 240_000)
  afterAll(() => {
    rmSync(reports, { recursive: true, force: true })
  })

  it("writes one report per shard, named after it, with that shard's tests", () => {
    const [first, second] = shards
    // The first shard's test fails on purpose (its error rate matcher); the second's passes.
    expect(first!.code, first!.output).toBe(1)
    expect(second!.code, second!.output).toBe(0)
    expect(linesOf(first!.output)).toContain(`Report: ${join('reports', 'faultline-1-of-2.html')}`)
    expect(linesOf(second!.output)).toContain(`Report: ${join('reports', 'faultline-2-of-2.html')}`)
    const one = readFileSync(join(reports, 'faultline-1-of-2.html'), 'utf8')
    const two = readFileSync(join(reports, 'faultline-2-of-2.html'), 'utf8')
    expect([one.match(/<svg[\s>]/g)?.length, two.match(/<svg[\s>]/g)?.length]).toEqual([2, 4])
    expect(one).toContain('shard 1 of 2')
    expect(two).toContain('search keeps its p95')
    expect(two).not.toContain('api outage')
  })

  it('prints a line per charted test and writes one self-contained HTML report of the merged shards', () => {
    const { code, output } = run
    expect(code, output).toBe(1)

    const lines = linesOf(output)
    const failed = lines.find((line) => line.startsWith('FAILED checkout <during> the api outage: '))
    expect(failed, output).toBeDefined()
    // Two charts (the passing p95 matcher, then the failing error rate one), each with its numbers and
    // what the fault did (every call failed while it was active: errors seen within the first interval).
    expect(failed!.split(' | ')).toHaveLength(2)
    expect(failed).toMatch(
      /: toHaveP95Below held: p95 [\d.]+ ms, error rate [\d.]+ %, [\d.]+\/s, faults: api down [\d.]+-[\d.]+ s \(errors after [\d.]+ ms, recovered [\d.]+ ms after heal, per 250 ms interval\), seed 4242 \| toHaveErrorRateBelow FAILED: p95 /,
    )
    const passed = lines.find((line) => line.startsWith('passed search keeps its p95: '))
    expect(passed, output).toMatch(
      /: toHaveP95Below held: p95 [\d.]+ ms, error rate 0\.00 %, [\d.]+\/s, faults: no faults, seed 99$/,
    )
    // A load run no matcher judged still has its chart.
    const byHand = lines.find((line) => line.startsWith('passed search answers under load, judged by hand: '))
    expect(byHand, output).toMatch(
      /: not judged: p95 [\d.]+ ms, error rate 0\.00 %, [\d.]+\/s, faults: no faults, seed 98$/,
    )
    expect(lines).toContain(`Report: ${join('reports', 'faultline.html')}`)
    // The annotation Vitest prints under a failed test is one line: the chart's path.
    expect(output).toMatch(/faultline:chart\s*\n\s*↳ Faultline chart: reports\/charts\/[^\n]+\.svg\s*\n/)
    expect(output).not.toContain('"assertion"')

    expect(existsSync(file)).toBe(true)
    const html = readFileSync(file, 'utf8')
    // Self-contained: nothing loaded from the network, no script.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i)
    expect(html).not.toMatch(/<script|<link/i)
    // One inlined chart per judged run (two matchers on the first report, one on each of the other three)
    // and one for the run no matcher judged.
    expect(html.match(/<svg[\s>]/g)).toHaveLength(6)
    expect(html).toContain('<tr><th>verdict</th><td>not judged</td></tr>')
    expect(html).not.toContain('<?xml')
    // Each chart's ids its own, so no chart clips by another's paths.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1])
    expect(ids.length).toBeGreaterThan(0)
    expect(new Set(ids).size).toBe(ids.length)
    for (const [, ref] of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref)
    // The names escaped, the states, the seeds.
    expect(html).toContain('checkout &lt;during&gt; the api outage')
    expect(html).not.toContain('checkout <during>')
    expect(html).toContain('search keeps its p95')
    expect(html).toMatch(/<span class="state">failed<\/span>/)
    expect(html).toMatch(/<span class="state">passed<\/span>/)
    expect(html).toContain('<tr><th>seed</th><td>4242</td></tr>')
    expect(html).toContain('<tr><th>seed</th><td>99</td></tr>')
    expect(html).toContain('api down')
    // What the fault did, and each judged report's JSON for machines (without the SVG's embedded copy).
    expect(html).toMatch(/api down [\d.]+-[\d.]+ s \(errors after [\d.]+ ms, recovered [\d.]+ ms after heal/)
    expect(html.match(/<pre class="report-json">/g)).toHaveLength(6)
    expect(html).toContain('&quot;faultImpact&quot;: [')
    expect(html).not.toContain('<metadata')
  })

  it('renders in headless Chromium: a chart per judged run, each fault window where its timeline put it', async () => {
    expect(existsSync(file), run.output).toBe(true)
    const charts = await checkReportInChromium(file, { screenshot: SCREENSHOT })
    // One rendered chart per judged load run (two matchers on the first report, one on each of the other
    // three, two of them drawn after their test because a run was still measuring) and one for the run no
    // matcher judged; the failing test's two charts each shade the api outage. (The merge
    // orders files as it likes.)
    expect(charts.map((c) => [c.facts.assertion, c.faultWindows]).sort()).toEqual([
      ['expect(report).toHaveErrorRateBelow(0.01)', 1],
      ['expect(report).toHaveP95Below(0.001)', 0],
      ['expect(report).toHaveP95Below(60000)', 0],
      ['expect(report).toHaveP95Below(60000)', 0],
      ['expect(report).toHaveP95Below(60000)', 1],
      [NOT_JUDGED, 0],
    ])
  }, 90_000)

  it('names the report after the shard', () => {
    const reporter = new FaultlineReporter()
    expect(reporter.outputFile).toBe(join('reports', 'faultline.html'))
    reporter.onInit({ config: { shard: { index: 2, count: 3 } } } as unknown as Vitest)
    expect(reporter.outputFile).toBe(join('reports', 'faultline-2-of-3.html'))
  })

  it('takes its path from the option, else from --outputFile.faultline', () => {
    const configured = new FaultlineReporter()
    configured.onInit({ config: { outputFile: { faultline: 'out/chaos.html', json: 'x.json' } } } as never)
    expect(configured.outputFile).toBe('out/chaos.html')
    const other = new FaultlineReporter()
    other.onInit({ config: { outputFile: 'x.json' } } as never)
    expect(other.outputFile).toBe(join('reports', 'faultline.html'))
    const option = new FaultlineReporter({ outputFile: 'a.html' })
    option.onInit({ config: { outputFile: { faultline: 'b.html' } } } as never)
    expect(option.outputFile).toBe('a.html')
  })

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  })
})

describe('the plugin option', () => {
  type Hooked = { config(user: object): { test: { reporters?: unknown[] } } }

  it('adds the reporter beside the default one when asked', () => {
    const plugin = faultline({ reporter: true }) as unknown as Hooked
    const reporters = plugin.config({}).test.reporters
    expect(reporters).toEqual(['default', expect.any(FaultlineReporter)])
  })

  it('adds only itself to reporters the config already lists', () => {
    const plugin = faultline({ reporter: true }) as unknown as Hooked
    expect(plugin.config({ test: { reporters: ['dot'] } }).test.reporters).toEqual([
      expect.any(FaultlineReporter),
    ])
  })

  it('adds no reporter by default', () => {
    const plugin = faultline() as unknown as Hooked
    expect(plugin.config({}).test.reporters).toBeUndefined()
  })
})
