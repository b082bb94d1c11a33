// The README's picture of the Faultline report, taken from the report the examples' run leaves: the first
// chart whose assertion failed (else the first chart), as Debian's chromium draws it. Run by
// `bash scripts/run.sh screenshot`, which runs the examples first; never edit the picture by hand.
//
//   node scripts/report-screenshot.ts [reports/faultline.html] [docs/images/faultline-report.png]
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
const [html = 'reports/faultline.html', png = 'docs/images/faultline-report.png'] = process.argv.slice(2)

if (!existsSync(html)) {
  console.error(`report-screenshot: ${html} is missing: run \`bash scripts/run.sh examples\` first`)
  process.exit(1)
}
if (!existsSync(CHROMIUM)) {
  console.error(`report-screenshot: ${CHROMIUM} is missing: apt-get install -y chromium`)
  process.exit(1)
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 })
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  await page.goto(pathToFileURL(resolve(html)).href, { waitUntil: 'load' })
  const failing = page.locator(
    'figure[data-facts*="&quot;held&quot;:false"], figure[data-facts*=\'"held":false\']',
  )
  const figure = (await failing.count()) > 0 ? failing.first() : page.locator('figure').first()
  if ((await figure.count()) === 0) throw new Error(`${html} has no chart: did the run judge a load report?`)
  mkdirSync(dirname(png), { recursive: true })
  await figure.locator('.chart').screenshot({ path: png })
  console.log(`report-screenshot: ${png}`)
} finally {
  await browser.close()
}
