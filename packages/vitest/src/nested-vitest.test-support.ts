// A vitest run in a process of its own (a fixture project, a suite to time): its exit code, its output and
// how long it took. For the tests and the benchmarks that run Vitest the way a user does. Node imports
// only, so a benchmark run by plain Node can import this file as it is.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** The repository's Vitest, run with the current Node. */
export const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url))

/** How a nested run ended. */
export interface NestedRun {
  readonly code: number | null
  /** stdout and stderr, interleaved as they came. */
  readonly output: string
  /** From the spawn to the exit, ms. */
  readonly ms: number
}

/** Options of {@link runNestedVitest}. */
export interface NestedRunOptions {
  /** The run's working directory (where relative outputs go). */
  readonly cwd: string
  /** Added to this process's environment (from which every `VITEST*` variable is removed). */
  readonly env?: NodeJS.ProcessEnv
  /** Killed after this long, ms (default 110 000). */
  readonly timeout?: number
}

/**
 * Runs `node vitest.mjs ...args` in a process of its own: not this worker's Vitest state (its `VITEST*`
 * variables are left out), `NO_COLOR` and `CI` set.
 *
 * @example
 * const { code, output } = await runNestedVitest(['run', '--root', fixture], { cwd: fixture })
 */
export async function runNestedVitest(
  args: readonly string[],
  options: NestedRunOptions,
): Promise<NestedRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: 'true', ...options.env }
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key]
  const started = performance.now()
  const child = spawn(process.execPath, [VITEST, ...args], {
    cwd: options.cwd,
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
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 110_000)
  try {
    const [code] = (await once(child, 'exit')) as [number | null]
    return { code, output, ms: performance.now() - started }
  } finally {
    clearTimeout(timer)
  }
}
