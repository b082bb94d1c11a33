// Packages fit to publish: builds the workspace packages, packs each with `npm pack`, installs the tarballs
// into a new project under the OS temp directory (outside the repository, so nothing resolves from its
// node_modules or source), and runs a small suite there with tsc and Vitest against the packed packages only:
// the load engine and the matchers on a local function, an injected fault healed by `await using`, an HTTP
// upstream stub, the plugin starting a real Redis through @faultline/containers, and a chart drawn with
// @faultline/vitest/chart in plain Node.
//
//   node scripts/pack-check.ts          # prints each step's time; exits 1 if a step fails
//   node scripts/pack-check.ts --keep   # leaves the temp project for a look
//
// Third-party dependencies come from the npm cache (`--prefer-offline`), the registry only for what the cache
// lacks. Images: FAULTLINE_*_IMAGE (scripts/images.sh --env), as for the repository's own tests.
import { type SpawnSyncOptions, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const repo = resolve(import.meta.dirname, '..')
const fixture = join(repo, 'test/ci/fixtures/packed')
const PACKAGES = ['core', 'proxy', 'containers', 'http', 'vitest'] as const
const keep = process.argv.includes('--keep')

const timings: [string, number][] = []

/** The environment of a child process, without what `npm run` or an outer Vitest would leak into it. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$|FORCE_COLOR$)/i.test(key)) continue
    env[key] = value
  }
  return { ...env, CI: 'true', NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false' }
}

function step(name: string, command: string, args: string[], options: SpawnSyncOptions): string {
  const started = performance.now()
  console.log(`pack check: ${name}: ${command} ${args.join(' ')}`)
  const run = spawnSync(command, args, {
    env: cleanEnv(),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000,
    ...options,
  })
  const ms = performance.now() - started
  timings.push([name, ms])
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`
  if (run.error || run.status !== 0) {
    console.log(output)
    throw new Error(`${name} failed (${run.error?.message ?? `exit ${run.status}`}) after ${seconds(ms)}`)
  }
  console.log(`pack check: ${name}: ${seconds(ms)}`)
  return run.stdout?.toString() ?? ''
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function version(name: string): string {
  return JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version
}

const started = performance.now()
const work = mkdtempSync(join(tmpdir(), 'faultline-pack-'))
let status = 0
try {
  const npm = 'npm'
  step('build', npm, ['run', 'build'], { cwd: repo })

  const tarballs = join(work, 'tarballs')
  mkdirSync(tarballs)
  const packed = step(
    'npm pack',
    npm,
    ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])],
    { cwd: repo },
  )
  // What each tarball holds: the build and its types, a README; no tests or test support.
  const manifest = JSON.parse(packed.slice(packed.indexOf('['))) as {
    name: string
    filename: string
    size: number
    files: { path: string }[]
  }[]
  for (const entry of manifest) {
    const paths = entry.files.map((f) => f.path)
    const missing = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts'].filter(
      (p) => !paths.includes(p),
    )
    const tests = paths.filter((p) => /\.test(-d)?\.ts$|test-support/.test(p))
    if (missing.length > 0 || tests.length > 0) {
      throw new Error(
        `${entry.name}: ${missing.length > 0 ? `missing ${missing.join(', ')}` : ''} ` +
          `${tests.length > 0 ? `ships test files ${tests.join(', ')}` : ''}`,
      )
    }
    console.log(
      `pack check:   ${entry.filename}: ${paths.length} files, ${(entry.size / 1024).toFixed(0)} kB`,
    )
  }

  // A project of a user's: the tarballs (each @faultline dependency pinned to its tarball through
  // overrides, so none is looked up in a registry), Vitest as the plugin's peer, TypeScript for the
  // typecheck, and the small suite from test/ci/fixtures/packed.
  const project = join(work, 'project')
  cpSync(fixture, project, { recursive: true })
  const files = new Map(readdirSync(tarballs).map((f) => [f.replace(/^faultline-(.+)-\d.*\.tgz$/, '$1'), f]))
  const spec = (p: string) => `file:../tarballs/${files.get(p)}`
  const local = Object.fromEntries(PACKAGES.map((p) => [`@faultline/${p}`, spec(p)]))
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'faultline-packed-check',
        private: true,
        type: 'module',
        dependencies: local,
        devDependencies: {
          '@types/node': version('@types/node'),
          typescript: version('typescript'),
          vitest: version('vitest'),
        },
        overrides: local,
      },
      null,
      2,
    )}\n`,
  )
  // Offline first: `npm ci` has put every third-party package in the cache. What it lacks (a newer
  // version than the repository's lock) is fetched with --prefer-offline.
  const install = ['install', '--no-audit', '--no-fund', '--loglevel=error']
  try {
    step('npm install', npm, [...install, '--offline'], { cwd: project })
  } catch (error) {
    console.log(`pack check: ${(error as Error).message}; again, online where the cache lacks a package`)
    step('npm install', npm, [...install, '--prefer-offline'], { cwd: project })
  }
  step('tsc', join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: project })
  const vitest = step(
    'vitest',
    join(project, 'node_modules/.bin/vitest'),
    ['run', '--reporter=verbose', '--color=false'],
    {
      cwd: project,
    },
  )
  console.log(
    vitest
      .split('\n')
      .filter((l) => /✓|×|Tests\s/.test(l))
      .join('\n'),
  )
  // @faultline/vitest/chart outside Vitest: plain Node (it strips the types), no Vitest run around it.
  console.log(step('chart in plain Node', process.execPath, ['plain/chart.ts'], { cwd: project }).trim())
} catch (error) {
  status = 1
  console.error(`pack check: FAILED: ${(error as Error).message}`)
} finally {
  if (keep) console.log(`pack check: kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
console.log(
  `pack check: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds(performance.now() - started)} (` +
    `${timings.map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ')})`,
)
process.exitCode = status
