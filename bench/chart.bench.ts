// Chart benchmark: what drawing a load run's chart costs (the SVG a Faultline matcher writes and attaches
// to its test). Results: bench/results/chart.json. A run of 60 s at 100 calls/s with 1 s intervals, one
// fault window, three limits: the first chart (loading ECharts included) and the median of the next ones,
// and the median as a share of the run it draws (target: under 1 % of a 60 s run).
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LoadRecorder, Timeline } from '@faultline/core'
// The entry that loads no Vitest (built: `npm run build` first).
import { renderLoadChart } from '@faultline/vitest/chart'
import { median, round } from './support.ts'

const here = dirname(fileURLToPath(import.meta.url))
const rounds = Number(process.env.BENCH_ROUNDS ?? 20)
const RUN_MS = 60_000

// Deterministic: latencies 5-25 ms, 40-240 ms and a third failing during the fault (20-30 s).
const timeline = new Timeline()
const startedAt = 1_000_000
const recorder = new LoadRecorder({ unit: 'calls', seed: 1, startedAt, interval: 1_000, timeline })
timeline.add({ name: 'redis stopped', startedAt: startedAt + 20_000, healedAt: startedAt + 30_000 })
for (let i = 0; i < (RUN_MS / 1000) * 100; i++) {
  const startMs = i * 10
  const faulted = startMs >= 20_000 && startMs < 30_000
  const latencyMs = faulted ? 40 + ((i * 37) % 200) : 5 + ((i * 13) % 20)
  recorder.record({ startMs, latencyMs, ...(faulted && i % 3 === 0 ? { error: 'ECONNREFUSED' } : {}) })
}
const report = recorder.finish(RUN_MS)
const options = { limits: { latency: [{ name: 'p95', ms: 200 }], errorRate: 0.01, throughput: 90 } }

let t0 = performance.now()
const svg = renderLoadChart(report, options)
const firstMs = performance.now() - t0
const times: number[] = []
for (let r = 0; r < rounds; r++) {
  t0 = performance.now()
  renderLoadChart(report, options)
  times.push(performance.now() - t0)
}
const medianMs = median(times)
const result = {
  rounds,
  svgBytes: Buffer.byteLength(svg),
  firstChartMs: round(firstMs, 1),
  medianChartMs: round(medianMs, 1),
  shareOfRun: round(medianMs / RUN_MS, 5),
  target: 'medianChartMs < 1 % of the 60 s run it draws',
  met: medianMs < RUN_MS / 100,
}
writeFileSync(join(here, 'results', 'chart.json'), `${JSON.stringify(result, null, 2)}\n`)
console.log(
  `chart: first ${result.firstChartMs} ms (ECharts loaded), then median ${result.medianChartMs} ms over ${rounds} (${round(result.shareOfRun * 100, 3)} % of the run), ${result.svgBytes} bytes`,
)
process.exit(result.met ? 0 : 1)
