import { FaultlineArgumentError } from '@faultline/core'
import { afterEach, describe, expect, it } from 'vitest'
import { isServiceDefinition, serviceFromInfo } from './definition.js'
import { external } from './external.js'
import { defaultImage } from './images.js'
import { postgresContainer } from './index.js'
import { PostgresService } from './postgres.js'
import { rabbitmqContainer } from './rabbitmq.js'
import { redisContainer } from './redis.js'

const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
})

describe('service definitions', () => {
  it('are recognised, and plain objects are not', () => {
    expect(isServiceDefinition(postgresContainer())).toBe(true)
    expect(isServiceDefinition(redisContainer())).toBe(true)
    expect(isServiceDefinition(rabbitmqContainer())).toBe(true)
    expect(isServiceDefinition({ kind: 'postgres' })).toBe(false)
    expect(isServiceDefinition(null)).toBe(false)
  })

  it('default to the official images unless FAULTLINE_*_IMAGE says otherwise', () => {
    delete process.env.FAULTLINE_POSTGRES_IMAGE
    expect(defaultImage('postgres')).toBe('postgres:17')
    process.env.FAULTLINE_POSTGRES_IMAGE = 'faultline-local/postgres:bookworm'
    expect(defaultImage('postgres')).toBe('faultline-local/postgres:bookworm')
  })

  it('name the bad option', () => {
    expect(() => postgresContainer({ isolationPool: -1 })).toThrow(
      'options.isolationPool: expected an integer from 0 to 32, got -1',
    )
    expect(() => redisContainer({ startupTimeout: Number.NaN })).toThrow(FaultlineArgumentError)
    expect(() => redisContainer({ startupTimeout: -5 })).toThrow(
      'options.startupTimeout: expected a number of ms > 0, got -5',
    )
    expect(() => rabbitmqContainer({ image: ' ' })).toThrow(/options\.image: expected an image name/)
  })
})

describe('external services', () => {
  it('take their URL from the environment', () => {
    process.env.FAULTLINE_POSTGRES_URL = 'postgres://u:p@db.internal:6543/app'
    const definition = external.postgres()
    expect(definition.kind).toBe('postgres')
    expect(definition.external).toBe(true)
  })

  it('say which variable to set when there is none', () => {
    delete process.env.FAULTLINE_RABBITMQ_URL
    expect(() => external.rabbitmq()).toThrow(
      /^FAULTLINE_RABBITMQ_URL: no URL for the external RabbitMQ service/,
    )
    expect(() => external.redis({ url: 'not a url' })).toThrow('options.url: not a URL: not a url')
  })
})

describe('serviceFromInfo', () => {
  it('rebuilds a handle that does not own the container', async () => {
    const handle = serviceFromInfo({
      kind: 'postgres',
      name: 'pg',
      host: 'localhost',
      port: 5432,
      url: 'postgres://test:test@localhost:5432/test',
      username: 'test',
      password: 'test',
      database: 'test',
      templateDatabase: 'faultline_template',
      isolationPool: 0,
    })
    expect(handle).toBeInstanceOf(PostgresService)
    expect((handle as PostgresService).urlFor('t_1')).toBe('postgres://test:test@localhost:5432/t_1')
    await expect(handle.pause()).rejects.toThrow(/service 'pg' is external/)
    await handle.close() // no container: nothing to remove
  })
})
