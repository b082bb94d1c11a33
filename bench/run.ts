// Runs every benchmark in this folder (files named `*.bench.ts`, or those named on the command line),
// one after another so they do not compete for the 2 cores. Each benchmark writes its own JSON file
// under bench/results/ and prints a summary; targets are compared as ratios within the same run.
//
//   npm run bench                 # all
//   npm run bench -- proxy        # only bench/proxy.bench.ts
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
mkdirSync(join(here, 'results'), { recursive: true })
const wanted = process.argv.slice(2)
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()
if (files.length === 0) {
  console.error(`bench: no benchmark matches ${wanted.join(', ') || '*.bench.ts'}`)
  process.exit(1)
}
let failed = 0
for (const file of files) {
  console.log(`\n== ${file}`)
  const result = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
