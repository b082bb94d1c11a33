// toHaveOutcomesAtMost on a real rate limiter over loopback HTTP: an attacker and legitimate users share
// it. Keyed per caller, the attacker is held to the threshold and no user is blocked; a limiter with one
// global bucket blocks the users; no limiter lets the attacker through. Counts, not times: no wall-clock
// bound, the window (60 s) outlasts the run on any machine.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isFaultlineError, LoadRecorder, LoadReport, load, type TaggedTask } from '@faultline/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faultlineMatchers } from './index.js'

expect.extend(faultlineMatchers)

const THRESHOLD = 20

type Limiter = 'per-caller' | 'global' | 'none'

async function limitedServer(limiter: Limiter): Promise<{ server: Server; url: string }> {
  const counts = new Map<string, number>()
  const server = createServer((req, res) => {
    const key = limiter === 'global' ? 'all' : String(req.headers['x-client'])
    const n = (counts.get(key) ?? 0) + 1
    counts.set(key, n)
    const limited = limiter !== 'none' && n > THRESHOLD
    res.writeHead(limited ? 429 : 200, limited ? { 'retry-after': '60' } : {})
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

function mix(url: string): TaggedTask[] {
  const call = async (client: string, signal: AbortSignal) => {
    const res = await fetch(url, { headers: { 'x-client': client }, signal })
    await res.arrayBuffer()
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { code: `HTTP ${res.status}` })
  }
  return [
    { tag: 'attacker', weight: 1, run: ({ signal }) => call('attacker', signal) },
    // Every legitimate call is another user: each is far under the threshold.
    { tag: 'legit', weight: 1, run: ({ signal, index }) => call(`user-${index}`, signal) },
  ]
}

const servers: Server[] = []
const reports = {} as Record<Limiter, LoadReport>

beforeAll(async () => {
  for (const limiter of ['per-caller', 'global', 'none'] as const) {
    const { server, url } = await limitedServer(limiter)
    servers.push(server)
    reports[limiter] = await load(mix(url), { concurrency: 4, count: 400, seed: 7, name: limiter })
  }
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

describe('.toHaveOutcomesAtMost', () => {
  it('passes when the limiter is keyed per caller: attacker held, no user blocked', () => {
    const report = reports['per-caller']
    expect(report.tag('legit').count).toBeGreaterThanOrEqual(100)
    expect(report.tag('legit')).toHaveOutcomesAtMost({ 'HTTP 429': 0 })
    expect(report.tag('attacker')).toHaveOutcomesAtMost({ ok: THRESHOLD })
    expect(report.tag('attacker').ok).toBe(THRESHOLD)
  })

  it('fails when one global bucket blocks legitimate users, with the counts', () => {
    const legit = reports.global.tag('legit')
    expect(() => expect(legit).toHaveOutcomesAtMost({ 'HTTP 429': 0 })).toThrowError(
      new RegExp(
        [
          String.raw`^expect\(report\)\.toHaveOutcomesAtMost\(\{ 'HTTP 429': 0 \}\)`,
          '',
          String.raw`HTTP 429 [\d,]+ > 0 over ${legit.count} calls tagged legit \(floor 100, window [\d.]+-[\d.]+ s, seed 7\)`,
          String.raw`outcomes: ok [\d,]+, HTTP 429 [\d,]+`,
          'Hint: calls tagged legit got outcomes they should not: is the limit keyed on the right caller\\?',
        ].join('\n'),
      ),
    )
  })

  it('fails when nothing holds the attacker', () => {
    const attacker = reports.none.tag('attacker')
    expect(() => expect(attacker).toHaveOutcomesAtMost({ ok: THRESHOLD, 'HTTP 429': 0 })).toThrowError(
      new RegExp(
        String.raw`\n\nok ${attacker.count} > 20, HTTP 429 0 <= 0 over ${attacker.count} calls tagged attacker \(floor 100, `,
      ),
    )
    expect(() => expect(attacker).toHaveOutcomesAtMost({ ok: THRESHOLD })).toThrowError(/\(floor 30, /)
    expect(attacker).not.toHaveOutcomesAtMost({ ok: THRESHOLD })
  })

  it('.not fails when the limits held, saying what it expected instead', () => {
    expect(() =>
      expect(reports['per-caller'].tag('legit')).not.toHaveOutcomesAtMost({ 'HTTP 429': 0 }),
    ).toThrowError(/HTTP 429 0 <= 0 over [\d,]+ calls tagged legit .*, expected more than 0\n/)
  })

  it('refuses to judge too few calls: 10 more than the limit, 100 for none', () => {
    const recorder = new LoadRecorder({ seed: 3, startedAt: 0 })
    for (let i = 0; i < 25; i++) recorder.record({ startMs: i, latencyMs: 1, tag: 'attacker' })
    const report = recorder.finish(1_000)
    expect(() => expect(report).toHaveOutcomesAtMost({ ok: 20 })).toThrowError(
      'an outcome count of { ok: 20 } needs at least 30 calls to judge (10 more than the most allowed, so it could be broken); the report has 25 (window 0.0-1.0 s, seed 3). Run the load longer, or pass { minSamples } to judge anyway.',
    )
    try {
      expect(report).toHaveOutcomesAtMost({ 'HTTP 429': 0 })
      expect.unreachable()
    } catch (error) {
      expect(isFaultlineError(error) && error.code).toBe('TOO_FEW_SAMPLES')
    }
    expect(() => expect(report).toHaveOutcomesAtMost({ ok: 20 }, { minSamples: 25 })).toThrowError(
      /ok 25 > 20/,
    )
  })

  it('judges a report read back from JSON, and a merge of runs, on the same counts', () => {
    const again = LoadReport.fromJSON(JSON.parse(JSON.stringify(reports.global)))
    expect(again.tag('legit').errorsByKind).toEqual(reports.global.tag('legit').errorsByKind)
    expect(() => expect(again.tag('legit')).toHaveOutcomesAtMost({ 'HTTP 429': 0 })).toThrowError(
      /HTTP 429 [\d,]+ > 0/,
    )
    const merged = LoadReport.merge([reports['per-caller'], reports.none], { align: 'start' })
    const ok = reports['per-caller'].tag('attacker').ok + reports.none.tag('attacker').ok
    expect(merged.tag('attacker').ok).toBe(ok)
    expect(() => expect(merged.tag('attacker')).toHaveOutcomesAtMost({ ok: THRESHOLD })).toThrowError(
      new RegExp(
        `ok ${ok} > 20 over [\\d,]+ calls tagged attacker \\(floor 30, window [\\d.]+-[\\d.]+ s, 2 runs merged, seeds 7\\)`,
      ),
    )
  })

  it('rejects limits that are not counts, naming them', () => {
    const report = reports['per-caller']
    expect(() => expect(report).toHaveOutcomesAtMost({ ok: -1 })).toThrowError(
      "limits['ok']: expected an integer >= 0 (calls), got -1",
    )
    expect(() => expect(report).toHaveOutcomesAtMost({})).toThrowError(
      /^limits: expected an object of outcome/,
    )
  })
})
