import { container, LABELS } from '@faultline/containers'
import { Timeline } from '@faultline/core'
import { createProxy } from '@faultline/proxy'
import memjs from 'memjs'
import { getContainerRuntimeClient, Wait } from 'testcontainers'
import { afterAll, afterEach, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { containerState, ensureRunning } from './container-state.js'
import { memcached } from './generic-definitions.js'
import { containersOf } from './nested-vitest.js'

// memcached (a local image of Debian's memcached, or the official one) through the generic container(): a
// container of this file's own, broken and healed for real, with a real client (memjs).

// A client that gives up quickly (0.5 s per operation, no retries): a fault shows as an error.
function client(target: { host: string; port: number }): memjs.Client {
  const cache = memjs.Client.create(`${target.host}:${target.port}`, {
    retries: 0,
    timeout: 0.5,
    logger: { log: () => {} },
  })
  onTestFinished(() => cache.close())
  return cache
}

async function read(cache: memjs.Client, key: string): Promise<string | undefined> {
  const { value } = await cache.get(key)
  return value?.toString()
}

describe('memcached as a generic service', () => {
  let cache: Awaited<ReturnType<typeof memcached.start>>

  beforeAll(async () => {
    cache = await memcached.start('generic-memcached')
  })
  afterEach(async () => {
    await ensureRunning(cache)
  })
  afterAll(async () => {
    await cache?.close()
  })

  test('answers on its URL; isolate() gives each test a key prefix of its own', async () => {
    expect(cache.url).toBe(`memcached://${cache.host}:${cache.port}`)
    const a = await cache.isolate()
    const b = await cache.isolate()
    expect(a.prefix).not.toBe(b.prefix)
    const memcache = client(cache)
    await memcache.set(`${a.prefix}k`, 'a')
    expect(await read(memcache, `${a.prefix}k`)).toBe('a')
    expect(await read(memcache, `${b.prefix}k`)).toBeUndefined()
  })

  test('pause: a get times out while it is frozen; after the heal the same key answers', async () => {
    const timeline = new Timeline()
    const memcache = client(cache)
    await memcache.set('paused-key', 'v')
    {
      await using _paused = await cache.pause({ timeline })
      await expect(memcache.get('paused-key')).rejects.toThrow(/timed out|timeout/i)
    }
    expect(await read(client(cache), 'paused-key')).toBe('v')
    expect(timeline.entries().map((e) => [e.name, e.healedAt !== undefined])).toEqual([
      ['generic-memcached paused', true],
    ])
  })

  test('kill: the crash loses what it held (memory only); the heal starts it, empty', async () => {
    const memcache = client(cache)
    await memcache.set('lost', 'v')
    const killed = await cache.kill()
    expect((await containerState(cache))?.running).toBe(false)
    await expect(client(cache).get('lost')).rejects.toThrow()
    await killed.heal()
    expect(await read(client(cache), 'lost')).toBeUndefined()
  })

  test('stop, then restart: refused while stopped, answering after each', async () => {
    {
      await using _stopped = await cache.stop({ timeout: 1_000 })
      await expect(client(cache).get('k')).rejects.toThrow()
    }
    expect(await client(cache).set('k', 'v')).toBe(true)
    const restarted = await cache.restart({ timeout: 1_000 })
    expect(restarted.active).toBe(false) // restart waits until it answers
    expect(await client(cache).set('k', 'v')).toBe(true)
  })

  test('disconnect: refused during the partition; the heal reconnects it', async () => {
    {
      await using _partitioned = await cache.disconnect()
      await expect(client(cache).get('k')).rejects.toThrow()
    }
    expect(await client(cache).set('k', 'v')).toBe(true)
  })

  test('behind the proxy: a black hole times the client out; after the heal it answers', async () => {
    await using proxy = await createProxy({ upstream: cache })
    const memcache = client({ host: proxy.host, port: proxy.port })
    await memcache.set('through', 'proxy')
    {
      await using _hole = proxy.blackHole()
      await expect(memcache.get('through')).rejects.toThrow(/timed out|timeout/i)
    }
    expect(await read(client({ host: proxy.host, port: proxy.port }), 'through')).toBe('proxy')
  })

  test('close() removes the container; nothing of this process is left but what it still runs', async () => {
    const other = await memcached.start('generic-memcached-closed')
    const id = other.info.containerId!
    const docker = (await getContainerRuntimeClient()).container.dockerode
    const { Config } = await docker.getContainer(id).inspect()
    expect(Config.Labels[LABELS.service]).toBe('generic-memcached-closed')
    await other.close()
    await expect(docker.getContainer(id).inspect()).rejects.toThrow(/no such container/i)
    const mine = await containersOf(Number(Config.Labels[LABELS.pid]))
    expect(mine.map((c) => c.id)).not.toContain(id)
  })

  // Docker's userland proxy accepts on a published port while nothing listens behind it, and closes the
  // connection at once: a port that accepts is not a service that answers.
  test('a container whose port accepts but nothing answers does not start: SERVICE_NOT_READY, and it is removed', async () => {
    const silent = container(memcached.image, {
      ports: [11211],
      wait: Wait.forSuccessfulCommand('true'), // testcontainers is satisfied at once
      configure: (c) => c.withEntrypoint(['sleep', '600']),
      startupTimeout: 5_000, // how long the probe keeps trying: every attempt is accepted, then closed
    })
    const docker = (await getContainerRuntimeClient()).container.dockerode
    const before = await docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.service}=silent`] },
    })
    const error = await silent.start('silent').then(
      (started) => started.close(), // not expected: remove it, and fail below
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'SERVICE_NOT_READY' })
    expect(String(error)).toMatch(/closed the connection before answering|ECONNREFUSED/)
    const after = await docker.listContainers({ all: true, filters: { label: [`${LABELS.service}=silent`] } })
    expect(after.length).toBe(before.length)
  })
})
