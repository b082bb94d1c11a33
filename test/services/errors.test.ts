import { spawnSync } from 'node:child_process'
import { external, LABELS, postgresContainer, redisContainer } from '@faultline/containers'
import { isFaultlineError } from '@faultline/core'
import { test } from '@faultline/vitest'
import { faultline } from '@faultline/vitest/plugin'
import { getContainerRuntimeClient } from 'testcontainers'
import { describe, expect } from 'vitest'

describe('clear errors on bad input', () => {
  test('an unknown service name lists the declared ones and the fix', ({ services }) => {
    expect(() => services.get('payments')).toThrow(
      /unknown service 'payments' \(declared services: pg, cache, mq\)\. Fix: declare it in vitest\.config\.ts/,
    )
  })

  test('a service of the wrong kind is named as such', ({ services }) => {
    expect(() => services.redis('pg')).toThrow("service 'pg' is PostgreSQL, not Redis")
  })

  test('the plugin names a bad service declaration', () => {
    // @ts-expect-error: a plain object is not a service definition
    expect(() => faultline({ services: { pg: { image: 'postgres' } } })).toThrow(
      /services\.pg: must be a service definition: postgresContainer\(\), redisContainer\(\), rabbitmqContainer\(\)/,
    )
    expect(() => faultline({ services: { 'bad name': redisContainer() } })).toThrow(/services\.bad name/)
  })

  test('a bad startup timeout names the option', () => {
    expect(() => postgresContainer({ startupTimeout: -5 })).toThrow(
      'options.startupTimeout: expected a number of ms > 0, got -5',
    )
    expect(() => redisContainer({ image: '' })).toThrow(/options\.image/)
  })

  test('an external service without a URL names the variable to set', () => {
    const saved = process.env.FAULTLINE_REDIS_URL
    delete process.env.FAULTLINE_REDIS_URL
    try {
      expect(() => external.redis()).toThrow(
        /FAULTLINE_REDIS_URL: no URL for the external Redis service\. Fix: set FAULTLINE_REDIS_URL/,
      )
    } finally {
      if (saved !== undefined) process.env.FAULTLINE_REDIS_URL = saved
    }
  })

  test('an unreachable Docker engine gives one message with the remedy', () => {
    const script = `
      import { redisContainer } from '@faultline/containers'
      try { await redisContainer().start(); console.log('{"code":"STARTED"}') }
      catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })) }
    `
    // A private mount namespace whose /run is empty: no Docker socket anywhere testcontainers looks.
    const result = spawnSync(
      'unshare',
      [
        '--mount',
        '--',
        'sh',
        '-c',
        'mount -t tmpfs none /run && exec "$0" "$@"',
        process.execPath,
        '--input-type=module',
        '-e',
        script,
      ],
      {
        env: { ...process.env, DOCKER_HOST: 'unix:///run/faultline-no-docker.sock' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    const line = result.stdout.trim().split('\n').pop() ?? ''
    expect(line, result.stderr).toMatch(/^\{/)
    const error = JSON.parse(line) as { code: string; message: string }
    expect(error.code).toBe('DOCKER_UNREACHABLE')
    expect(error.message).toMatch(/^Docker is not reachable: /)
    expect(error.message).toMatch(/Fix: start Docker/)
  })

  test('an image that never becomes ready times out with the cause, and leaves nothing running', async () => {
    // PostgreSQL needs well over a second to initialise: 300 ms is a timeout it can never meet.
    const image = process.env.FAULTLINE_POSTGRES_IMAGE ?? 'postgres:17'
    const error = await postgresContainer({ image, startupTimeout: 300 })
      .start('never-ready')
      .catch((e: unknown) => e)
    expect(isFaultlineError(error)).toBe(true)
    expect((error as Error).message).toMatch(
      new RegExp(`service 'never-ready' \\(image ${image}\\) did not become ready within 300 ms`),
    )
    expect((error as Error).message).toMatch(/raise startupTimeout/)
    const client = await getContainerRuntimeClient()
    const left = await client.container.dockerode.listContainers({
      all: true,
      filters: { label: [`${LABELS.service}=never-ready`] },
    })
    expect(left).toEqual([])
  })

  test('chaos on an external service says it is not a container', async ({ services }) => {
    await using ext = await external.postgres({ url: services.postgres().url }).start('ext-pg')
    await using db = await ext.isolate()
    expect(db.url).toContain(db.database)
    await expect(ext.pause()).rejects.toThrow(/service 'ext-pg' is external .* so pause\(\) cannot act on it/)
  })
})
