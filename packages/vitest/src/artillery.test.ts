// Artillery itself (the real `artillery` package, found through FAULTLINE_ARTILLERY, which scripts/run.sh
// sets from scripts/artillery.sh) against a loopback server: its JSON report becomes a LoadReport, its
// numbers agree with Artillery's own and with Faultline's measurement of the same server, and the matchers
// judge it, or refuse what Artillery's summaries cannot say.
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isFaultlineError, type LoadReport, Timeline } from '@faultline/core'
import {
  type ArtilleryReportJSON,
  artilleryLoad,
  artilleryReport,
  hasResponseTimes,
  httpLoad,
  runArtillery,
  writeArtilleryScript,
} from '@faultline/http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { faultlineMatchers } from './matchers/index.js'

expect.extend(faultlineMatchers)

// Every 10th request answers 503; with `slow`, every 10th other one waits SLOW_MS: a broken dependency.
const BASE_MS = 20 // and up to 6 ms more, in turn
const SLOW_MS = 1_000
const BUDGET_P95 = SLOW_MS / 2
const RATE = 40
const DURATION = 5_000 // 200 requests: the floor of a p99

async function startServer(slow: boolean): Promise<{ server: Server; url: string }> {
  let n = 0
  const server = createServer((_req, res) => {
    const i = n++
    const delay = slow && i % 10 === 5 ? SLOW_MS : BASE_MS + (i % 7)
    setTimeout(() => {
      res.statusCode = i % 10 === 9 ? 503 : 200
      res.end('ok')
    }, delay)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return { server, url: `http://127.0.0.1:${address.port}/orders` }
}

/** The command lines of this process's children that mention `name`. */
function childrenNamed(name: string): string[] {
  const run = spawnSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  return run.stdout.split('\n').filter((line) => line.includes(name))
}

const servers: Server[] = []
let dir = ''
let healthy = ''
let json: ArtilleryReportJSON

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-artillery-test-'))
  const started = await startServer(false)
  servers.push(started.server)
  healthy = started.url
  const { script } = await writeArtilleryScript(dir, { url: healthy, rate: RATE, duration: DURATION })
  json = await runArtillery(script)
}, 120_000)

afterAll(async () => {
  for (const server of servers) server.close()
  await rm(dir, { recursive: true, force: true })
})

describe("Artillery's JSON report as a LoadReport", () => {
  test('counts every request, by status, exactly as Artillery did', () => {
    const report = artilleryReport(json)
    const counters = json.aggregate.counters
    expect(report.source).toBe('artillery')
    expect(report.count).toBe(RATE * (DURATION / 1000))
    expect(report.count).toBe(counters['http.requests'])
    expect(report.errorsByKind).toEqual({ 'HTTP 503': counters['http.codes.503'] })
    expect(report.ok).toBe(counters['http.codes.200'])
    expect(report.latency.count).toBe(counters['http.responses']) // every response time counted
    expect(hasResponseTimes(json)).toBe(true)
  })

  test("its p95 agrees with Artillery's own within Artillery's precision (1 %, one rank)", () => {
    const report = artilleryReport(json)
    const theirs = json.aggregate.summaries?.['http.response_time']
    expect(theirs).toBeDefined()
    // Artillery's p95 is a DDSketch estimate, within 1 % of a value at the 95th percentile by its own rank
    // convention; ranks may differ from HdrHistogram's by one sample (100 / n percentile points).
    const rank = 100 / report.latency.count
    for (const p of [50, 95, 99] as const) {
      const artillery = theirs![`p${p}`]!
      // Artillery's summaries are rounded to 0.1 ms.
      expect(artillery, `p${p}`).toBeGreaterThanOrEqual(report.percentile(p - rank) * 0.99 - 0.05)
      expect(artillery, `p${p}`).toBeLessThanOrEqual(report.percentile(Math.min(100, p + rank)) * 1.01 + 0.05)
    }
    expect(report.max).toBe(theirs!.max)
    expect(report.min).toBe(theirs!.min)
  })

  test("agrees with Faultline's own measurement of the same server: outcomes, and latencies above its delays", async () => {
    const ours = await httpLoad({ url: healthy, rate: RATE, duration: DURATION, seed: 1 })
    const theirs = artilleryReport(json)
    // The server answers 503 to every 10th request, whoever sends it.
    expect(theirs.errorRate).toBe(0.1)
    expect(ours.errorRate).toBe(0.1)
    expect(theirs.count).toBe(ours.count)
    // Both measure at least the server's own delay (20 ms and up; a timer may fire up to 1 ms early on the
    // clients' clocks, which count whole ms) and see its spread (20-26 ms).
    expect(theirs.min).toBeGreaterThanOrEqual(BASE_MS - 1)
    expect(ours.min).toBeGreaterThanOrEqual(BASE_MS - 1)
    expect(theirs.p99).toBeGreaterThan(theirs.p50)
    expect(ours.p99).toBeGreaterThan(ours.p50)
  }, 60_000)

  test('toMeetSLO judges it, with the samples, the window and Artillery as the source', () => {
    const report = artilleryReport(json, { name: 'orders' })
    expect(report).toMeetSLO({ p95: BUDGET_P95, errorRate: 0.15 })
    let message = ''
    try {
      expect(report).toMeetSLO({ p95: BUDGET_P95, errorRate: 0.01 })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/✗ error rate 10 % > 1 % \(20 errors in 200, floor 100\)/)
    expect(message).toContain('✓ p95')
  })

  test("refuses a window finer than Artillery's 10 s period, and judges a whole one", () => {
    const report = artilleryReport(json)
    expect(() => report.window(0, 5_000)).toThrow(
      /window 0.0-5.0 s is shorter than one of Artillery's 10.0 s periods/,
    )
    expect(report.window(0, 10_000).count).toBeGreaterThan(0)
  })

  test("without Faultline's counters (Artillery's summaries only), latency lines refuse; outcomes are judged", () => {
    // The same run's JSON without the processor's counters: what Artillery writes for a script of its own.
    const strip = (counters: Readonly<Record<string, number>>) =>
      Object.fromEntries(
        Object.entries(counters).filter(([name]) => !name.startsWith('faultline.response_time.')),
      )
    const plain: ArtilleryReportJSON = {
      aggregate: { ...json.aggregate, counters: strip(json.aggregate.counters) },
      intermediate: json.intermediate.map((p) => ({ ...p, counters: strip(p.counters) })),
    }
    expect(hasResponseTimes(plain)).toBe(false)
    const report = artilleryReport(plain)
    expect(report.count).toBe(200)
    expect(report.latency.count).toBe(0)
    expect(report).toHaveErrorRateBelow(0.15) // counters are exact: judged
    let error: unknown
    try {
      expect(report).toMeetSLO({ p95: BUDGET_P95 })
    } catch (caught) {
      error = caught
    }
    console.log((error as Error).message) // what a user of a plain Artillery script reads
    expect(isFaultlineError(error)).toBe(true)
    expect((error as Error).message).toMatch(
      /p95 needs at least 20 requests with a latency to judge .*; the report has 0 .*Its 200 requests have no latency: Artillery's JSON gives only summaries/,
    )
  })
})

describe('artilleryLoad', () => {
  test('fails toMeetSLO on a server whose every 10th request waits: the message a user reads', async () => {
    const { server, url } = await startServer(true)
    servers.push(server)
    const timeline = new Timeline()
    const report: LoadReport = await artilleryLoad({
      url,
      rate: RATE,
      duration: DURATION,
      timeline,
      name: 'slow orders',
    })
    let message = ''
    try {
      expect(report).toMeetSLO({ p95: BUDGET_P95, errorRate: 0.15 })
    } catch (error) {
      message = (error as Error).message
    }
    console.log(message)
    expect(message).toMatch(/✗ p95 [\d,]+ ms > 500 ms \(200 samples, floor 20\)/)
    expect(report.p95).toBeGreaterThanOrEqual(SLOW_MS)
  }, 120_000)

  test('rejects with the signal, killing Artillery', async () => {
    const controller = new AbortController()
    const run = artilleryLoad({ url: healthy, rate: 5, duration: 60_000, signal: controller.signal })
    await sleep(500)
    controller.abort(new Error('enough'))
    await expect(run).rejects.toThrow('enough')
    // Artillery was this process's child: none is left once the run has rejected.
    await expect.poll(() => childrenNamed('artillery'), { timeout: 5_000 }).toEqual([])
  }, 30_000)
})
