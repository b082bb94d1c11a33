import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Vitest } from 'vitest/node'
import { faultline } from './plugin.js'
import type { ChartFacts } from './report/attach.js'
import { chartLayout, xOf } from './report/layout.js'
import { escapeHtml, FaultlineReporter } from './reporter.js'

const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/reporter', import.meta.url))
/** Debian's chromium, installed by scripts/run.sh where missing; never a browser a tool downloads. */
const CHROMIUM = '/usr/bin/chromium'
/** Where the browser check leaves its screenshot of the report (git-ignored). */
const SCREENSHOT = fileURLToPath(new URL('../../../reports/faultline-report.png', import.meta.url))

/** Runs vitest in the fixture project (its own process, charts on) with `args`; its exit code and output. */
async function runFixture(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FAULTLINE_CHARTS: '1', NO_COLOR: '1', CI: 'true' }
  // A run of its own: not this worker's Vitest state.
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key]
  const child = spawn(process.execPath, [VITEST, ...args, '--root', FIXTURE], {
    cwd: FIXTURE,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 110_000)
  try {
    const [code] = (await once(child, 'exit')) as [number | null]
    return { code, output }
  } finally {
    clearTimeout(timer)
  }
}

const REPORTER = fileURLToPath(new URL('./reporter.ts', import.meta.url))

/** One shard of the fixture suite (two files), with the Faultline reporter and a blob for the merge. */
function runShard(index: number): Promise<{ code: number | null; output: string }> {
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
  let shards: { code: number | null; output: string }[]
  let run: { code: number | null; output: string }
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
    expect([one.match(/<svg[\s>]/g)?.length, two.match(/<svg[\s>]/g)?.length]).toEqual([2, 1])
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
      /: p95 [\d.]+ ms, error rate [\d.]+ %, [\d.]+\/s, faults: api down [\d.]+-[\d.]+ s \(errors after [\d.]+ ms, recovered [\d.]+ ms after heal, per 250 ms interval\), seed 4242 \| p95 /,
    )
    const passed = lines.find((line) => line.startsWith('passed search keeps its p95: '))
    expect(passed, output).toMatch(
      /: p95 [\d.]+ ms, error rate 0\.00 %, [\d.]+\/s, faults: no faults, seed 99$/,
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
    // One inlined chart per judged run: two matchers on the first report, one on the second.
    expect(html.match(/<svg[\s>]/g)).toHaveLength(3)
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
    expect(html.match(/<pre class="report-json">/g)).toHaveLength(3)
    expect(html).toContain('&quot;faultImpact&quot;: [')
    expect(html).not.toContain('<metadata')
  })

  it('renders in headless Chromium: a chart per judged run, each fault window where its timeline put it', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: the browser check of the HTML report needs Debian's chromium. Install it with ` +
          '`apt-get install -y chromium` (as root; `bash scripts/run.sh` does it where it is missing).',
      )
    }
    expect(existsSync(file), run.output).toBe(true)
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox'],
      timeout: 30_000,
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      page.setDefaultTimeout(30_000)
      const problems: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`)
      })
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
      // Self-contained: the page asks for nothing but its own file.
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) problems.push(`request: ${request.url()}`)
      })
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })

      // One rendered chart per judged load run: two matchers on the first report, one on the second.
      const figures = page.locator('figure')
      expect(await figures.count()).toBe(3)
      expect(await page.locator('svg').count()).toBe(3)
      let faultsSeen = 0
      for (let i = 0; i < 3; i++) {
        const figure = figures.nth(i)
        const facts = JSON.parse((await figure.getAttribute('data-facts')) ?? 'null') as ChartFacts
        expect(facts).not.toBeNull()
        const svg = figure.locator('svg')
        const box = await svg.boundingBox()
        expect(box).not.toBeNull()
        expect(box!.width).toBeGreaterThan(0)
        expect(box!.height).toBeGreaterThan(0)
        // Page px to SVG units: the svg's box over its viewBox.
        const [, , viewWidth] = ((await svg.getAttribute('viewBox')) ?? '').split(/\s+/).map(Number)
        expect(viewWidth).toBeGreaterThan(0)
        const scale = box!.width / viewWidth!
        const layout = chartLayout(['latency'], viewWidth!)
        // Each fault window is shaded on every panel (latency, throughput, errors: no monitors here).
        const bands = figure.locator(`svg polygon[fill="#ef4444"]`)
        expect(await bands.count()).toBe(facts.faults.length * 3)
        for (const [f, fault] of facts.faults.entries()) {
          const start = xOf(layout, facts.fromS, facts.toS, Math.max(facts.fromS, fault.startS))
          const end = xOf(layout, facts.fromS, facts.toS, Math.min(facts.toS, fault.healedS ?? facts.toS))
          for (let p = 0; p < 3; p++) {
            const band = await bands.nth(f * 3 + p).boundingBox()
            expect(band).not.toBeNull()
            // Tolerance 1.5 SVG units: the facts' times are rounded to 1 ms (0.6 units over a 1.5 s run)
            // and ECharts rounds coordinates to 0.1 px, an edge sometimes to a half pixel.
            expect(Math.abs((band!.x - box!.x) / scale - start)).toBeLessThanOrEqual(1.5)
            expect(Math.abs((band!.x + band!.width - box!.x) / scale - end)).toBeLessThanOrEqual(1.5)
            expect(band!.height).toBeGreaterThan(0)
          }
          faultsSeen++
        }
      }
      // The failing test's two charts each shade the api outage.
      expect(faultsSeen).toBe(2)
      expect(problems).toEqual([])

      mkdirSync(join(SCREENSHOT, '..'), { recursive: true })
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      expect(existsSync(SCREENSHOT)).toBe(true)
    } finally {
      await browser.close()
    }
  }, 90_000)

  it('names the report after the shard', () => {
    const reporter = new FaultlineReporter()
    expect(reporter.outputFile).toBe(join('reports', 'faultline.html'))
    reporter.onInit({ config: { shard: { index: 2, count: 3 } } } as unknown as Vitest)
    expect(reporter.outputFile).toBe(join('reports', 'faultline-2-of-3.html'))
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
