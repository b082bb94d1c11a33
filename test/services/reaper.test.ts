import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { LABELS, redisContainer, removeRunContainers, sweepOrphans } from '@faultline/containers'
import { getContainerRuntimeClient } from 'testcontainers'
import { describe, expect, test } from 'vitest'

async function exists(id: string): Promise<boolean> {
  const client = await getContainerRuntimeClient()
  try {
    await client.container.dockerode.getContainer(id).inspect()
    return true
  } catch {
    return false
  }
}

// A separate run: a Node process that starts a container, prints its id, and waits to be killed. The
// container is left disconnected from its network (a fault never healed): clean-up must remove it anyway.
const childRun = `
import { redisContainer } from '@faultline/containers'
const service = await redisContainer().start('orphan')
await service.disconnect()
console.log(JSON.stringify({ id: service.info.containerId, run: process.env.FAULTLINE_RUN_ID }))
setInterval(() => {}, 1000)
`

/** Starts a separate run that starts one container; returns the run's process, container and run id. */
async function separateRun(watchdog: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, FAULTLINE_WATCHDOG: watchdog ? 'on' : 'off' }
  delete env.FAULTLINE_RUN_ID
  delete env.FAULTLINE_RUN_PID
  const child = spawn(process.execPath, ['--input-type=module', '-e', childRun], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const [line] = (await once(lines, 'line')) as [string]
  const { id, run } = JSON.parse(line) as { id: string; run: string }
  expect(await exists(id)).toBe(true)
  return { child, id, run }
}

/** Starts a separate run, waits for its container, and kills the run's process with SIGKILL. */
async function killedRun(watchdog: boolean): Promise<string> {
  const { child, id } = await separateRun(watchdog)
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
  return id
}

describe('reaper', () => {
  test("the run's watchdog removes its containers once the run's process is killed with SIGKILL", async () => {
    const id = await killedRun(true)
    await expect.poll(() => exists(id), { timeout: 60_000, interval: 250 }).toBe(false)
  })

  test('a container of a killed run whose watchdog died too is removed by the next sweep', async () => {
    const id = await killedRun(false)

    // The killed run's container is still there — nothing ran to remove it — until a sweep.
    expect(await exists(id)).toBe(true)
    const { removed } = await sweepOrphans()
    expect(removed).toContain(id)
    expect(await exists(id)).toBe(false)
  })

  test('a sweep leaves the containers of live runs alone', async () => {
    await using cache = await redisContainer().start('live')
    const { removed } = await sweepOrphans()
    expect(removed).not.toContain(cache.info.containerId)
    expect(await exists(cache.info.containerId!)).toBe(true)
  })

  test('a disposed service leaves no container behind', async () => {
    let id: string | undefined
    {
      await using cache = await redisContainer().start('disposed')
      id = cache.info.containerId
      expect(await exists(id!)).toBe(true)
    }
    expect(await exists(id!)).toBe(false)
  })

  test('a disposed service that is disconnected from its network leaves no container behind', async () => {
    let id: string | undefined
    {
      await using cache = await redisContainer().start('disconnected')
      id = cache.info.containerId
      const disconnected = await cache.disconnect()
      expect(disconnected.active).toBe(true)
    }
    expect(await exists(id!)).toBe(false)
  })

  test('containers carry the labels that name their run', async () => {
    await using cache = await redisContainer().start('labelled')
    const client = await getContainerRuntimeClient()
    const inspect = await client.container.dockerode.getContainer(cache.info.containerId!).inspect()
    expect(inspect.Config.Labels[LABELS.run]).toBe(process.env.FAULTLINE_RUN_ID)
    expect(inspect.Config.Labels[LABELS.service]).toBe('labelled')
  })

  test('removeRunContainers removes every container of the run it names, and only those', async () => {
    await using mine = await redisContainer().start('mine')
    const { child, id, run } = await separateRun(false)
    try {
      expect(run).not.toBe(process.env.FAULTLINE_RUN_ID)
      const { removed } = await removeRunContainers(run)
      expect(removed).toEqual([id])
      expect(await exists(id)).toBe(false)
      expect(await exists(mine.info.containerId!)).toBe(true)
    } finally {
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
      await removeRunContainers(run)
    }
  })
})
