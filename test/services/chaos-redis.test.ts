import { setTimeout as sleep } from 'node:timers/promises'
import { redisContainer, serviceFromInfo } from '@faultline/containers'
import { Timeline } from '@faultline/core'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { containerState, ensureRunning } from './container-state.js'

// Chaos on a container of this file's own, so that no other test sees the outage.
describe('Redis container chaos', () => {
  let cache: Awaited<ReturnType<ReturnType<typeof redisContainer>['start']>>
  let client: Redis

  beforeAll(async () => {
    cache = await redisContainer().start('chaos-redis')
    client = new Redis(cache.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 })
    client.on('error', () => {})
    await client.set('k', 'v')
  })
  afterEach(async () => {
    await ensureRunning(cache)
  })
  afterAll(async () => {
    client?.disconnect()
    await cache?.close()
  })

  test('pause makes a command hang until unpause, then it completes', async () => {
    await cache.pause()
    let settled = false
    const pending = client.get('k').finally(() => {
      settled = true
    })
    await sleep(1_000)
    expect(settled).toBe(false)
    await cache.unpause()
    await expect(pending).resolves.toBe('v')
  })

  test('stop refuses connections; start brings the service back on the same URL', async () => {
    await cache.stop({ timeout: 1_000 })
    const probe = new Redis(cache.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    })
    probe.on('error', () => {})
    await expect(probe.connect()).rejects.toThrow(/ECONNREFUSED|ECONNRESET|closed/)
    probe.disconnect()
    await cache.start()
    // The data survives a clean stop only if persisted; what matters is that the service answers again.
    expect(await client.ping()).toBe('PONG')
  })

  test('restart really restarts the process, and the waiting client reconnects', async () => {
    const before = await containerState(cache)
    await cache.restart({ timeout: 1_000 })
    const after = await containerState(cache)
    expect(after?.running).toBe(true)
    expect(Date.parse(after!.startedAt)).toBeGreaterThan(Date.parse(before!.startedAt))
    expect(await client.ping()).toBe('PONG')
  })

  test('kill is a crash (SIGKILL); start recovers it', async () => {
    await cache.kill()
    const probe = new Redis(cache.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    })
    probe.on('error', () => {})
    await expect(probe.connect()).rejects.toThrow()
    probe.disconnect()
    await cache.start()
    expect(await client.ping()).toBe('PONG')
  })
})

// Every operation returns the fault it started; leaving its `await using` block heals it, so a test that
// throws in the middle never leaves the container paused or down.
describe('container faults heal on dispose', () => {
  let cache: Awaited<ReturnType<ReturnType<typeof redisContainer>['start']>>

  beforeAll(async () => {
    cache = await redisContainer().start('chaos-redis-faults')
  })
  afterEach(async () => {
    await ensureRunning(cache)
  })
  afterAll(async () => {
    await cache?.close()
  })

  async function answers(): Promise<string> {
    const probe = new Redis(cache.url, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => {})
    try {
      await probe.connect()
      return await probe.ping()
    } finally {
      probe.disconnect()
    }
  }

  test('pause: leaving the block unpauses the container, even when the block throws', async () => {
    const thrown = await (async () => {
      await using paused = await cache.pause()
      expect(paused.active).toBe(true)
      expect(await containerState(cache)).toMatchObject({ paused: true })
      throw new Error('the test failed mid-pause')
    })().catch((error: unknown) => error)
    expect((thrown as Error).message).toBe('the test failed mid-pause')
    expect(await containerState(cache)).toMatchObject({ paused: false, running: true })
    expect(await answers()).toBe('PONG')
  })

  test('stop: leaving the block starts the container again and waits until it answers', async () => {
    {
      await using stopped = await cache.stop({ timeout: 500 })
      expect(stopped.active).toBe(true)
      expect(await containerState(cache)).toMatchObject({ running: false })
    }
    expect(await containerState(cache)).toMatchObject({ running: true })
    expect(await answers()).toBe('PONG')
  })

  test('kill: leaving the block starts the container again and waits until it answers', async () => {
    {
      await using killed = await cache.kill()
      expect(killed.active).toBe(true)
      expect(await containerState(cache)).toMatchObject({ running: false })
    }
    expect(await containerState(cache)).toMatchObject({ running: true })
    expect(await answers()).toBe('PONG')
  })

  test('heal() is explicit and idempotent; dispose after it does nothing more', async () => {
    const paused = await cache.pause()
    await Promise.all([paused.heal(), paused.heal()])
    await paused.heal()
    expect(paused.active).toBe(false)
    expect(paused.healedAt).toBeGreaterThanOrEqual(paused.startedAt)
    expect(await containerState(cache)).toMatchObject({ paused: false, running: true })

    const stopped = await cache.stop({ timeout: 500 })
    await stopped.heal()
    const started = (await containerState(cache))!.startedAt
    await stopped[Symbol.asyncDispose]()
    // A second start would have changed the container's start time.
    expect((await containerState(cache))!.startedAt).toBe(started)
  })

  test('unpause() and start() still work, and heal the fault they end', async () => {
    const paused = await cache.pause()
    await cache.unpause()
    expect(paused.active).toBe(false)
    const killed = await cache.kill()
    await cache.start()
    expect(killed.active).toBe(false)
    const started = (await containerState(cache))!.startedAt
    await killed[Symbol.asyncDispose]()
    expect((await containerState(cache))!.startedAt).toBe(started)
    expect(await answers()).toBe('PONG')
  })

  test('a fault healed elsewhere (another handle) heals without error', async () => {
    const other = serviceFromInfo(cache.info)
    {
      await using paused = await cache.pause()
      await other.unpause()
      await paused.heal()
      expect(paused.active).toBe(false)
    }
    expect(await answers()).toBe('PONG')
  })

  test('restart returns its fault: healed once the service answers, or by heal() with { wait: false }', async () => {
    const waited = await cache.restart({ timeout: 500 })
    expect(waited.active).toBe(false)
    {
      await using restarting = await cache.restart({ timeout: 500, wait: false })
      expect(restarting.active).toBe(true)
    }
    expect(await answers()).toBe('PONG')
  })

  test('each fault given { timeline } is its own window on it, closed when it heals', async () => {
    const timeline = new Timeline()
    {
      await using _paused = await cache.pause({ timeline })
    }
    {
      await using _stopped = await cache.stop({ timeline, timeout: 500 })
    }
    {
      await using _disconnected = await cache.disconnect({ timeline })
    }
    {
      await using _unrecorded = await cache.kill()
    }
    const entries = timeline.entries()
    expect(entries.map((e) => e.name)).toEqual([
      'chaos-redis-faults paused',
      'chaos-redis-faults stopped',
      'chaos-redis-faults disconnected',
    ])
    for (const entry of entries) {
      expect(entry.target).toBe('chaos-redis-faults')
      expect(entry.healedAt).toBeGreaterThanOrEqual(entry.startedAt)
    }
  })

  test('disconnect: commands fail during the partition (bounded by the client timeout); heal reconnects', async () => {
    const before = await containerState(cache)
    const client = new Redis(cache.url, {
      commandTimeout: 2_000,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    client.on('error', () => {})
    try {
      await client.set('kept', 'through the partition')
      {
        await using disconnected = await cache.disconnect()
        expect(disconnected.name).toBe('chaos-redis-faults disconnected')
        expect(disconnected.kind).toBe('disconnected')
        expect(await containerState(cache)).toMatchObject({ running: true, networks: [] })
        // The open connection and a new one both fail, within the client's own timeouts.
        await expect(client.get('kept')).rejects.toThrow()
        await expect(answers()).rejects.toThrow()
      }
      expect(await containerState(cache)).toMatchObject({ running: true, networks: before!.networks })
      expect(await answers()).toBe('PONG')
      // The server kept running through the partition: same process, same data.
      expect((await containerState(cache))!.startedAt).toBe(before!.startedAt)
      const again = new Redis(cache.url, { maxRetriesPerRequest: 0 })
      expect(await again.get('kept')).toBe('through the partition')
      again.disconnect()
    } finally {
      client.disconnect()
    }
  })

  test('disconnect: leaving the block reconnects, even when the block throws', async () => {
    const thrown = await (async () => {
      await using _disconnected = await cache.disconnect()
      throw new Error('the test failed mid-partition')
    })().catch((error: unknown) => error)
    expect((thrown as Error).message).toBe('the test failed mid-partition')
    expect((await containerState(cache))!.networks).not.toEqual([])
    expect(await answers()).toBe('PONG')
  })

  test('disconnect twice: the second says the service is on no network; healing the first brings it back', async () => {
    const first = await cache.disconnect()
    await expect(cache.disconnect()).rejects.toMatchObject({ code: 'SERVICE_NOT_CONNECTED' })
    expect(cache.faults).toEqual([first])
    await first.heal()
    expect(cache.faults).toEqual([])
    expect(await answers()).toBe('PONG')
  })
})
