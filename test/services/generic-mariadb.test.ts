import { setTimeout as sleep } from 'node:timers/promises'
import { currentRun, LABELS } from '@faultline/containers'
import { Timeline } from '@faultline/core'
import { createProxy } from '@faultline/proxy'
import mysql from 'mysql2/promise'
import { getContainerRuntimeClient } from 'testcontainers'
import { afterAll, afterEach, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { containerState, ensureRunning } from './container-state.js'
import { mariadb } from './generic-definitions.js'

// MariaDB (a local image of Debian's mariadb-server, or the official one) through the generic container():
// a container of this file's own, broken and healed for real, with a real client (mysql2).

// A connection that fails instead of waiting: a fault shows as an error, within a bound.
async function connect(url: string): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 2_000 })
  connection.on('error', () => {}) // a fault below closes it: expected
  onTestFinished(() => connection.destroy())
  return connection
}

async function one(connection: mysql.Connection, timeout = 2_000): Promise<number> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>({ sql: 'SELECT 1 AS one', timeout })
  return rows[0]?.one as number
}

describe('MariaDB as a generic service', () => {
  let db: Awaited<ReturnType<typeof mariadb.start>>

  beforeAll(async () => {
    db = await mariadb.start('generic-mariadb')
  })
  afterEach(async () => {
    await ensureRunning(db)
  })
  afterAll(async () => {
    await db?.close()
  })

  test('starts answering on its URL, labelled as Faultline reaps it', async () => {
    expect(db.url).toMatch(/^mysql:\/\/root:test@[^:]+:\d+\/$/)
    expect(db.port).toBe(db.mappedPort(3306))
    expect(await one(await connect(db.url))).toBe(1)
    const client = await getContainerRuntimeClient()
    const { Config } = await client.container.dockerode.getContainer(db.info.containerId!).inspect()
    expect(Config.Labels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.run]: currentRun().id,
      [LABELS.service]: 'generic-mariadb',
    })
  })

  test('isolate() gives each test a database of its own, dropped on release', async () => {
    await using first = await db.isolate()
    const second = await db.isolate()
    const a = await connect(first.url)
    await a.query('CREATE TABLE orders (id int)')
    await a.query('INSERT INTO orders VALUES (1)')
    const b = await connect(second.url)
    await expect(b.query('SELECT * FROM orders')).rejects.toThrow(/doesn't exist/)
    await second.release()
    await second.release() // once only
    const admin = await connect(db.url)
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SHOW DATABASES LIKE ?', [second.database])
    expect(rows).toEqual([])
  })

  test('stop: queries fail while it is down; the heal brings it back on the same URL, with its data', async () => {
    const timeline = new Timeline()
    await using isolated = await db.isolate()
    const before = await connect(isolated.url)
    await before.query('CREATE TABLE kept (id int)')
    await before.query('INSERT INTO kept VALUES (7)')
    {
      await using _stopped = await db.stop({ timeline, timeout: 1_000 })
      await expect(one(before)).rejects.toThrow()
      await expect(connect(db.url)).rejects.toThrow(/ECONNREFUSED|ECONNRESET|closed|lost/i)
    } // started again here, and answering
    const after = await connect(isolated.url)
    const [rows] = await after.query<mysql.RowDataPacket[]>('SELECT id FROM kept')
    expect(rows).toEqual([{ id: 7 }])
    const [entry] = timeline.entries()
    expect(entry?.name).toBe('generic-mariadb stopped')
    expect(entry?.target).toBe('generic-mariadb')
    expect(entry?.healedAt).toBeGreaterThan(entry!.startedAt)
  })

  test('pause: a query hangs until its timeout; after the heal it answers', async () => {
    const connection = await connect(db.url)
    expect(await one(connection)).toBe(1)
    {
      await using _paused = await db.pause()
      await expect(one(connection, 500)).rejects.toThrow(/timeout/i)
    }
    expect(await one(await connect(db.url))).toBe(1)
  })

  test('kill: a crash closes the connection; the heal starts it again', async () => {
    const connection = await connect(db.url)
    const killed = await db.kill()
    expect((await containerState(db))?.running).toBe(false)
    await expect(one(connection)).rejects.toThrow()
    await killed.heal()
    expect(killed.active).toBe(false)
    expect(await one(await connect(db.url))).toBe(1)
  })

  test('disconnect: new connections are refused; the heal reconnects it', async () => {
    {
      await using _partitioned = await db.disconnect()
      expect((await containerState(db))?.networks).toEqual([])
      await expect(connect(db.url)).rejects.toThrow()
    }
    expect(await one(await connect(db.url))).toBe(1)
  })

  test("behind the proxy: a reset breaks the client's connection, a new one works after the heal", async () => {
    await using proxy = await createProxy({ upstream: db })
    const url = proxy.url(db.url)
    const connection = await connect(url)
    expect(await one(connection)).toBe(1)
    {
      await using _reset = proxy.reset()
      await sleep(50)
      await expect(one(connection)).rejects.toThrow()
      await expect(connect(url)).rejects.toThrow()
    }
    expect(await one(await connect(url))).toBe(1)
  })
})
