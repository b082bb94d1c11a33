import { describe, expect, it } from 'vitest'
import { isServiceDefinition, serviceFromInfo } from './definition.js'
import { container, GenericService } from './generic.js'
import type { GenericInfo } from './info.js'

const info: GenericInfo = {
  kind: 'container',
  name: 'cache',
  host: 'localhost',
  port: 41_211,
  url: 'memcached://localhost:41211',
  containerId: 'abc',
  image: 'memcached:1.6',
  ports: { '11211': 41_211, '11212': 41_212 },
  mainPort: 11_211,
  ready: { send: 'version\r\n', expect: 'VERSION' },
}

describe('container()', () => {
  it('is a service definition the plugin accepts, named for its image by default', () => {
    const definition = container('faultline-local/memcached:bookworm', { ports: [11211] })
    expect(isServiceDefinition(definition)).toBe(true)
    expect(definition.kind).toBe('container')
  })

  it('names the bad argument and the fix', () => {
    const bad = (image: unknown, options: unknown) => () =>
      container(image as string, options as { ports: number[] })
    expect(bad('', { ports: [1] })).toThrow(`image: expected an image name such as 'mariadb:11', got ""`)
    expect(bad('x', undefined)).toThrow(/^options: expected options with the ports to publish/)
    expect(bad('x', {})).toThrow(
      "options.ports: expected the container's ports, main one first, such as [3306], got undefined",
    )
    expect(bad('x', { ports: [0] })).toThrow('options.ports[0]: expected an integer from 1 to 65535, got 0')
    expect(bad('x', { ports: [1, 1] })).toThrow('options.ports: expected distinct ports, got [1, 1]')
    expect(bad('x', { ports: [1], env: { A: 1 } })).toThrow('options.env.A: expected a string, got 1')
    expect(bad('x', { ports: [1], command: 'memcached -m 64' })).toThrow(
      /^options.command: expected an array of strings/,
    )
    expect(bad('x', { ports: [1], wait: 'ready' })).toThrow(
      /^options.wait: expected a testcontainers wait strategy/,
    )
    expect(bad('x', { ports: [1], ready: { expect: 1 } })).toThrow(
      'options.ready.expect: expected a string, got 1',
    )
    expect(bad('x', { ports: [1], isolate: {} })).toThrow(/^options.isolate: expected a function/)
    expect(bad('x', { ports: [1], startupTimeout: -1 })).toThrow(
      'options.startupTimeout: expected a number of ms > 0, got -1',
    )
  })

  it('rebuilds its handle from the info a worker gets, with ports, endpoint and the probe settings', () => {
    const handle = serviceFromInfo(info)
    expect(handle).toBeInstanceOf(GenericService)
    const generic = handle as GenericService
    expect(generic.url).toBe('memcached://localhost:41211')
    expect(generic.mappedPort(11212)).toBe(41_212)
    expect(generic.endpoint()).toEqual({ host: 'localhost', port: 41_211 })
    expect(() => generic.mappedPort(80)).toThrow(
      "containerPort: expected one of the ports service 'cache' publishes (11211, 11212), got 80",
    )
  })

  it("from() gives the plugin's handle its definition's isolation hook; without one, isolate() says how", async () => {
    const handle = serviceFromInfo(info) as GenericService
    await expect(handle.isolate()).rejects.toThrow(/service 'cache' has no isolation hook/)
    let released = 0
    const definition = container('memcached:1.6', {
      ports: [11211],
      isolate: async (service) => ({
        prefix: `${service.name}:`,
        release: async () => {
          released++
        },
      }),
    })
    const same = definition.from(handle)
    expect(same).toBe(handle) // faults started through it are the plugin's to heal
    {
      await using isolated = await same.isolate()
      expect(isolated.prefix).toBe('cache:')
      await isolated.release()
    }
    expect(released).toBe(1) // released once, though disposed too
    expect(definition.from(info).name).toBe('cache')
    const broken = container('memcached:1.6', { ports: [11211], isolate: async () => undefined as never })
    await expect(broken.from(info).isolate()).rejects.toThrow(
      "the isolate hook of service 'cache' returned undefined; it must return an object, such as { url, release }",
    )
    expect(() => definition.from({ ...info, kind: 'redis' } as never)).toThrow(
      "service: expected a service started from container(), got a redis service 'cache'",
    )
  })
})
