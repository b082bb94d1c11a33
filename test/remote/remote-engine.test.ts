// A remote Docker engine, as a CI Docker host or a cloud Docker service would be: a second dockerd on this
// machine (scripts/docker-remote.sh: its own socket, TCP on loopback, data, bridge and images), named by
// DOCKER_HOST. Services, chaos operations as faults, the run's clean-up, the watchdog and the sweep must
// all act on that engine, and never on the first one.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { LABELS } from '@faultline/containers'
import Dockerode from 'dockerode'
import { getContainerRuntimeClient } from 'testcontainers'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runVitest } from '../services/nested-vitest.js'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const project = fileURLToPath(new URL('./fixture', import.meta.url))
const SOCKET = '/tmp/faultline-docker-remote/docker.sock'
const TCP = 'tcp://127.0.0.1:23750'
const remote = new Dockerode({ socketPath: SOCKET })

/** Whether the container is on the engine (any state). */
async function on(engine: Dockerode, id: string): Promise<boolean> {
  try {
    await engine.getContainer(id).inspect()
    return true
  } catch {
    return false
  }
}

const local = async () => (await getContainerRuntimeClient()).container.dockerode

/** The remote engine's containers of the run whose process was `pid`. */
async function remoteContainersOf(pid: number): Promise<string[]> {
  const found = await remote.listContainers({ all: true, filters: { label: [`${LABELS.pid}=${pid}`] } })
  return found.map((c) => c.Id)
}

beforeAll(() => {
  // Starts the second engine (and loads its images, the first time): it fails the tests when it cannot.
  execFileSync('bash', [join(repo, 'scripts/docker-remote.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 240_000,
  })
}, 300_000)

afterAll(() => {
  execFileSync('bash', [join(repo, 'scripts/docker-remote.sh'), '--stop'], {
    stdio: 'inherit',
    timeout: 60_000,
  })
}, 90_000)

describe('a remote Docker engine, named by DOCKER_HOST', () => {
  test('services start, break and heal there (TCP), and the run removes them from it', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'faultline-remote-'))
    const out = join(scratch, 'containers.json')
    try {
      await runVitest(project, {
        timeoutMs: 300_000,
        // testcontainers reaches the services at DOCKER_HOST's host (127.0.0.1): no override.
        env: { DOCKER_HOST: TCP, TESTCONTAINERS_HOST_OVERRIDE: undefined, FAULTLINE_FIXTURE_OUT: out },
        during: async (child) => {
          for (let i = 0; i < 1_800 && !existsSync(out) && child.exitCode === null; i++) await sleep(100)
          expect(existsSync(out)).toBe(true)
          const { ids, host } = JSON.parse(readFileSync(out, 'utf8')) as { ids: string[]; host: string }
          expect(ids).toHaveLength(2)
          expect(host).toBe('127.0.0.1')
          for (const id of ids) {
            expect(await on(remote, id), `${id} on the remote engine`).toBe(true)
            expect(await on(await local(), id), `${id} on the first engine`).toBe(false)
          }
          writeFileSync(`${out}.seen`, 'true')
        },
        inspect: async (run) => {
          expect(
            run.tests?.map((t) => [t.title, t.status, ...t.failureMessages]),
            run.output,
          ).toEqual([
            ['a built-in and a generic service on a remote engine: reached, broken and healed', 'passed'],
          ])
          expect(run.code, run.output).toBe(0)
          expect(await remoteContainersOf(run.pid)).toEqual([])
        },
      })
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  }, 360_000)

  // A separate run through the built package (as a user's): it starts a container on the remote engine,
  // prints its id, and waits to be killed.
  const childRun = `
import { redisContainer } from '@faultline/containers'
const service = await redisContainer().start('remote-orphan')
console.log(JSON.stringify({ id: service.info.containerId }))
setInterval(() => {}, 1000)
`
  async function killedRemoteRun(watchdog: boolean): Promise<string> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DOCKER_HOST: `unix://${SOCKET}`,
      FAULTLINE_WATCHDOG: watchdog ? 'on' : 'off',
    }
    delete env.FAULTLINE_RUN_ID
    delete env.FAULTLINE_RUN_PID
    const child = spawn(process.execPath, ['--input-type=module', '-e', childRun], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
    const { id } = JSON.parse(line) as { id: string }
    expect(await on(remote, id)).toBe(true)
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
    return id
  }

  test("a killed run's watchdog removes its container from the remote engine (a socket)", async () => {
    const id = await killedRemoteRun(true)
    await expect.poll(() => on(remote, id), { timeout: 60_000, interval: 250 }).toBe(false)
  }, 120_000)

  test("the next run's sweep removes what a killed run without a watchdog left on the remote engine", async () => {
    const id = await killedRemoteRun(false)
    expect(await on(remote, id)).toBe(true) // nothing ran to remove it, until a sweep
    const sweep = `
import { sweepOrphans } from '@faultline/containers'
console.log(JSON.stringify(await sweepOrphans()))
`
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DOCKER_HOST: `unix://${SOCKET}`,
      FAULTLINE_WATCHDOG: 'off',
    }
    delete env.FAULTLINE_RUN_ID
    delete env.FAULTLINE_RUN_PID
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', sweep], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect((JSON.parse(output.trim().split('\n').at(-1)!) as { removed: string[] }).removed).toContain(id)
    expect(await on(remote, id)).toBe(false)
  }, 120_000)
})
