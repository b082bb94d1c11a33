import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Vitest } from 'vitest/node'
import { faultline } from './plugin.js'
import { escapeHtml, FaultlineReporter } from './reporter.js'

const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/reporter', import.meta.url))

/** Runs `vitest run` in the fixture project (its own process, charts on) and returns its output. */
async function runFixture(): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FAULTLINE_CHARTS: '1', NO_COLOR: '1', CI: 'true' }
  // A run of its own: not this worker's Vitest state.
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key]
  const child = spawn(process.execPath, [VITEST, 'run', '--root', FIXTURE], {
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

describe('the Faultline reporter', () => {
  it('prints a line per charted test and writes one self-contained HTML report', async () => {
    const reports = join(FIXTURE, 'reports')
    rmSync(reports, { recursive: true, force: true })
    try {
      const { code, output } = await runFixture()
      // The fixture's first test fails on purpose (its error rate matcher); the second passes.
      expect(code, output).toBe(1)

      const lines = output.split('\n').map((line) => line.trim())
      const failed = lines.find((line) => line.startsWith('FAILED checkout <during> the api outage: '))
      expect(failed, output).toBeDefined()
      // Two charts (the passing p95 matcher, then the failing error rate one), each with its numbers.
      expect(failed!.split(' | ')).toHaveLength(2)
      expect(failed).toMatch(
        /: p95 [\d.]+ ms, error rate [\d.]+ %, [\d.]+\/s, faults: api down [\d.]+-[\d.]+ s, seed 4242 \| p95 /,
      )
      const passed = lines.find((line) => line.startsWith('passed search keeps its p95: '))
      expect(passed, output).toMatch(
        /: p95 [\d.]+ ms, error rate 0\.00 %, [\d.]+\/s, faults: no faults, seed 99$/,
      )
      expect(lines).toContain(`Report: ${join('reports', 'faultline.html')}`)

      const file = join(reports, 'faultline.html')
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
    } finally {
      rmSync(reports, { recursive: true, force: true })
    }
  }, 120_000)

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
