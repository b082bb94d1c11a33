import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LABELS } from '@faultline/containers'
import { getContainerRuntimeClient } from 'testcontainers'

const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url))

/** One test of a nested run's JSON report. */
export interface NestedTest {
  title: string
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo'
  failureMessages: string[]
}

/** How a nested Vitest run ended. */
export interface NestedRun {
  /** The Vitest process's pid: its containers carry it in `dev.faultline.pid`. */
  pid: number
  code: number | null
  signal: NodeJS.Signals | null
  output: string
  /** The tests of the JSON report, when the run got to write it. */
  tests: NestedTest[] | undefined
}

/** The containers (any state) whose run is owned by process `pid`. */
export async function containersOf(pid: number): Promise<{ id: string; run: string; state: string }[]> {
  const client = await getContainerRuntimeClient()
  const found = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABELS.pid}=${pid}`] },
  })
  return found.map((c) => ({ id: c.Id, run: c.Labels[LABELS.run] ?? '', state: c.State }))
}

async function removeContainersOf(pid: number): Promise<void> {
  const client = await getContainerRuntimeClient()
  for (const { id } of await containersOf(pid)) {
    await client.container.dockerode
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch(() => {})
  }
}

/**
 * Runs `vitest run` in a fixture project (its own vitest.config.ts) as a separate process — a run of its own,
 * with its own containers — and returns how it ended. `during` runs while it does (e.g. to send it a signal).
 * Whatever the run leaves is removed afterwards (after the caller looked, in `inspect`), so a failing
 * assertion never leaks a container.
 */
export async function runVitest<T>(
  project: string,
  options: {
    timeoutMs: number
    /** More environment variables for the run; `undefined` removes one. */
    env?: Record<string, string | undefined>
    during?: (child: ChildProcess) => Promise<void>
    inspect: (run: NestedRun) => Promise<T>
    /** More arguments for `vitest run` (filters, reporters). */
    args?: readonly string[]
    /** The run's working directory (where relative outputs such as charts go); default: this process's. */
    cwd?: string
  },
): Promise<T> {
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-nested-'))
  const reportFile = join(scratch, 'report.json')
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key]
  // A run of its own: not this run's id, not this worker's Vitest state.
  for (const key of Object.keys(env)) {
    if (key.startsWith('VITEST') || key === 'FAULTLINE_RUN_ID' || key === 'FAULTLINE_RUN_PID') delete env[key]
  }
  const child = spawn(
    process.execPath,
    [
      VITEST,
      'run',
      '--root',
      project,
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
      ...(options.args ?? []),
    ],
    { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const pid = child.pid!
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
  try {
    await options.during?.(child)
    const { code, signal } = await exited
    let tests: NestedTest[] | undefined
    try {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
        testResults: { assertionResults: NestedTest[] }[]
      }
      tests = report.testResults.flatMap((file) => file.assertionResults)
    } catch {
      tests = undefined
    }
    return await options.inspect({ pid, code, signal, output, tests })
  } finally {
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
    await removeContainersOf(pid)
    rmSync(scratch, { recursive: true, force: true })
  }
}
