import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { describe, expect, test } from 'vitest'
import { freePort } from './ports.js'

describe('freePort', () => {
  test('hands out distinct bindable ports below the kernel range Docker picks its random ports from', async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number)
    const ports: number[] = []
    for (let i = 0; i < 20; i++) ports.push(await freePort())
    expect(new Set(ports).size).toBe(ports.length)
    for (const port of ports) expect(port).toBeLessThan(low!)
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(ports[0], resolve))
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})
