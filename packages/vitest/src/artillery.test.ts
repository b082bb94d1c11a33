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
import { isFaultlineError, LatencyHistogram, type LoadReport, Timeline } from '@faultline/core'
import {
  type ArtilleryReportJSON,
  artilleryLoad,
  artilleryReport,
  hasResponseTimes,
  httpLoad,
  runArtillery,
  writeArtilleryScript,
} from '@faultline/http'
import { afterAll, describe, expect, test } from 'vitest'
import { faultlineMatchers } from './matchers/index.js'

expect.extend(faultlineMatchers)

// Every 10th request answers 503; with `slow`, every 10th other one waits SLOW_MS: a broken dependency.
const BASE_MS = 20 // and up to 6 ms more, in turn
const SLOW_MS = 1_000
const BUDGET_P95 = SLOW_MS / 2
const RATE = 40
const DURATION = 5_000 // 200 requests: the floor of a p99

interface TestServer {
  server: Server
  url: string
  /** How long the server itself took on each request (ms, its own clock), in order of arrival. */
  times: number[]
}

async function startServer(slow: boolean): Promise<TestServer> {
  const times: number[] = []
  const server = createServer((_req, res) => {
    const i = times.length
    times.push(Number.NaN)
    const start = performance.now()
    const delay = slow && i % 10 === 5 ? SLOW_MS : BASE_MS + (i % 7)
    setTimeout(() => {
      res.statusCode = i % 10 === 9 ? 503 : 200
      times[i] = performance.now() - start // before the answer leaves: never more than its client waited
      res.end('ok')
    }, delay)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return { server, url: `http://127.0.0.1:${address.port}/orders`, times }
}

/** The latencies (ms) as a histogram, for their percentiles. */
function histogramOf(times: readonly number[]): LatencyHistogram {
  const h = new LatencyHistogram()
  for (const ms of times) h.record(ms)
  return h
}

/** The command lines of this process's children that mention `name`. */
function childrenNamed(name: string): string[] {
  const run = spawnSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  return run.stdout.split('\n').filter((line) => line.includes(name))
}

const servers: Server[] = []
let dir = ''
let healthy = ''
let healthyTimes: number[] = []
let run: Promise<ArtilleryReportJSON> | undefined

// One Artillery run of the healthy server, shared by the tests that read its report. Started by the first
// test that needs it (not in beforeAll): without Artillery, each of them fails, saying how to install it.
function healthyRun(): Promise<ArtilleryReportJSON> {
  run ??= (async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-artillery-test-'))
    const started = await startServer(false)
    servers.push(started.server)
    healthy = started.url
    healthyTimes = started.times
    const { script } = await writeArtilleryScript(dir, { url: healthy, rate: RATE, duration: DURATION })
    return runArtillery(script)
  })()
  return run
}

afterAll(async () => {
  for (const server of servers) server.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

// The first test to need the shared run waits for Artillery (about 10 s here, more on a loaded machine).
describe("Artillery's JSON report as a LoadReport", { timeout: 120_000 }, () => {
  test('counts every request, by status, exactly as Artillery did', async () => {
    const json = await healthyRun()
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

  test("its p95 agrees with Artillery's own within Artillery's precision (1 %, one rank)", async () => {
    const json = await healthyRun()
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

  test("agrees with Faultline's measurement of the same server, and both with the server's own clock", async () => {
    const json = await healthyRun()
    const theirs = artilleryReport(json)
    const before = healthyTimes.length
    const ours = await httpLoad({ url: healthy, rate: RATE, duration: DURATION, seed: 1 })
    // The server answers 503 to every 10th request, whoever sends it.
    expect([theirs.count, theirs.errorRate]).toEqual([200, 0.1])
    expect([ours.count, ours.errorRate]).toEqual([200, 0.1])
    // Each request took its client at least as long as the server spent on it, so each percentile of a
    // client's latencies is at least the server's (Artillery counts whole ms: 1 ms less at most).
    const server = {
      theirs: histogramOf(healthyTimes.slice(0, before)),
      ours: histogramOf(healthyTimes.slice(before)),
    }
    for (const p of [50, 95, 99]) {
      expect(theirs.percentile(p), `Artillery p${p}`).toBeGreaterThanOrEqual(server.theirs.percentile(p) - 1)
      expect(ours.percentile(p), `httpLoad p${p}`).toBeGreaterThanOrEqual(server.ours.percentile(p) * 0.999)
    }
  })

  test('toMeetSLO judges it, with the samples, the window and Artillery as the source', async () => {
    const json = await healthyRun()
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

  test("refuses a window finer than Artillery's 10 s period, and judges a whole one", async () => {
    const json = await healthyRun()
    const report = artilleryReport(json)
    expect(() => report.window(0, 5_000)).toThrow(
      /window 0.0-5.0 s is shorter than one of Artillery's 10.0 s periods/,
    )
    expect(report.window(0, 10_000).count).toBeGreaterThan(0)
  })

  test("without Faultline's counters (Artillery's summaries only), latency lines refuse; outcomes are judged", async () => {
    const json = await healthyRun()
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

describe('artilleryLoad', { timeout: 120_000 }, () => {
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
  })

  test('rejects with the signal, killing Artillery', async () => {
    const controller = new AbortController()
    await healthyRun() // the healthy server
    const load = artilleryLoad({ url: healthy, rate: 5, duration: 60_000, signal: controller.signal })
    await sleep(500)
    controller.abort(new Error('enough'))
    await expect(load).rejects.toThrow('enough')
    // Artillery was this process's child: none is left once the run has rejected.
    await expect.poll(() => childrenNamed('artillery'), { timeout: 5_000 }).toEqual([])
  })
})
