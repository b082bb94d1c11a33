// The HTML report opened in a real browser: Debian's chromium (installed by scripts/run.sh where missing),
// driven by playwright-core, which never downloads a browser of its own. Shared by the reporter's test and
// the examples' report test.
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { expect } from 'vitest'
import type { ChartFacts } from './attach.js'
import { chartLayout, xOf } from './layout.js'

/** Debian's chromium; never a browser a tool downloads. */
export const CHROMIUM = '/usr/bin/chromium'

/** What the browser saw of one chart. */
export interface CheckedChart {
  readonly facts: ChartFacts
  /** The fault windows found where their timeline put them (each on every panel). */
  readonly faultWindows: number
}

/**
 * Opens the report at `file` in headless Chromium and asserts: a chart per figure, each rendered with a
 * size; every fault window shaded on each of the chart's `panels` at the x position its facts give (within
 * 1.5 SVG units); no console error, page error or request beyond the file itself. Saves a full-page
 * screenshot to `screenshot`. Returns what it saw of each chart, in order.
 *
 * @example
 * const charts = await checkReportInChromium('reports/faultline.html', { screenshot: 'reports/r.png' })
 */
export async function checkReportInChromium(
  file: string,
  options: { screenshot: string; panels?: number },
): Promise<CheckedChart[]> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser check of the HTML report needs Debian's chromium. Install it with ` +
        '`apt-get install -y chromium` (as root; `bash scripts/run.sh` does it where it is missing).',
    )
  }
  const panels = options.panels ?? 3
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 })
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

    const figures = page.locator('figure')
    const count = await figures.count()
    expect(await page.locator('figure svg').count()).toBe(count)
    const charts: CheckedChart[] = []
    for (let i = 0; i < count; i++) {
      const figure = figures.nth(i)
      const facts = JSON.parse((await figure.getAttribute('data-facts')) ?? 'null') as ChartFacts
      expect(facts, `figure ${i + 1} has no data-facts`).not.toBeNull()
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
      // Each fault window is shaded on every panel.
      const bands = figure.locator('svg polygon[fill="#ef4444"]')
      expect(await bands.count()).toBe(facts.faults.length * panels)
      for (const [f, fault] of facts.faults.entries()) {
        const start = xOf(layout, facts.fromS, facts.toS, Math.max(facts.fromS, fault.startS))
        const end = xOf(layout, facts.fromS, facts.toS, Math.min(facts.toS, fault.healedS ?? facts.toS))
        for (let p = 0; p < panels; p++) {
          const band = await bands.nth(f * panels + p).boundingBox()
          expect(band).not.toBeNull()
          // Tolerance 1.5 SVG units: the facts' times are rounded to 1 ms (0.6 units over a 1.5 s run) and
          // ECharts rounds coordinates to 0.1 px, an edge sometimes to a half pixel.
          expect(Math.abs((band!.x - box!.x) / scale - start)).toBeLessThanOrEqual(1.5)
          expect(Math.abs((band!.x + band!.width - box!.x) / scale - end)).toBeLessThanOrEqual(1.5)
          expect(band!.height).toBeGreaterThan(0)
        }
      }
      charts.push({ facts, faultWindows: facts.faults.length })
    }
    expect(problems).toEqual([])
    mkdirSync(dirname(options.screenshot), { recursive: true })
    await page.screenshot({ path: options.screenshot, fullPage: true })
    expect(existsSync(options.screenshot)).toBe(true)
    return charts
  } finally {
    await browser.close()
  }
}
