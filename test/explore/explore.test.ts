// explore() against the run's PostgreSQL: every client message of an order write gets a fault on a fresh
// copy of the template (`orders` and `order_items`, test/vitest.config.ts), and the atomicity check judges.
import { Timeline } from '@faultline/core'
import { explore } from '@faultline/proxy'
import { test } from '@faultline/vitest'
import { atomicity } from '@faultline/vitest/matchers'
import pg from 'pg'
import { describe, expect } from 'vitest'

const ORDER_SQL = "INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')"

/** Broken: the order and its items are committed apart (each statement autocommits). */
async function placeOrderApart(client: pg.Client): Promise<void> {
  await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
  await client.query(
    "INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2), ('o-1', 'cup', 1)",
  )
}

/** Correct: one transaction. */
async function placeOrder(client: pg.Client): Promise<void> {
  await client.query('BEGIN')
  await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
  await client.query(
    "INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2), ('o-1', 'cup', 1)",
  )
  await client.query('COMMIT')
}

/** Runs `work` on a client connected through the run's proxy, and closes it. */
const through =
  (work: (client: pg.Client) => Promise<void>) =>
  async ({ url }: { url: string }): Promise<void> => {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => {})
    await client.connect()
    try {
      await work(client)
    } finally {
      await client.end().catch(() => {})
    }
  }

const check = () => atomicity({ tables: ['orders', 'order_items'] })

describe('explore', () => {
  test('finds the point where the order write without a transaction is partial', async ({ services }) => {
    const service = services.postgres()
    const result = await explore(through(placeOrderApart), { fresh: () => service.isolate(), check: check() })
    expect(result.firstFailure?.point.id).toBe('inFlight@Q#1')
    expect(result.firstFailure?.finding).toMatch(
      /^partial \(1 of 3 writes present, 2 missing; present: orders id=o-1/,
    )
    expect(result.points.length).toBe(result.messages.length * 2)
  })

  test('every point of the transactional order write holds', async ({ services }) => {
    const service = services.postgres()
    const result = await explore(through(placeOrder), { fresh: () => service.isolate(), check: check() })
    expect(result.counts).toEqual({
      ok: result.messages.length * 2,
      failed: 0,
      indeterminate: 0,
      notReached: 0,
      unexplored: 0,
    })
  })

  test('matches boundaries by kind and position: SQL text that changes between runs still explores', async ({
    services,
  }) => {
    const service = services.postgres()
    let run = 0
    const result = await explore(
      through(async (client) => {
        run++
        const id = `o-${run}` // a different id, so different SQL text, in every run
        await client.query('BEGIN')
        await client.query(`INSERT INTO orders (id, customer) VALUES ('${id}', 'ada')`)
        await client.query(`INSERT INTO order_items (order_id, sku, qty) VALUES ('${id}', 'tea', 2)`)
        await client.query('COMMIT')
      }),
      {
        fresh: () => service.isolate(),
        faults: ['inFlight'],
        check: () => undefined,
      },
    )
    expect(result.counts.ok).toBe(result.messages.length)
    const insert = result.points.find((p) => p.point.id === 'inFlight@Q#2')
    expect(insert?.point.message.text).toBe("query INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
    expect(insert?.reached).toMatch(/^query INSERT INTO orders \(id, customer\) VALUES \('o-\d+', 'ada'\)$/)
    expect(insert?.reached).not.toBe(insert?.point.message.text)
  })

  test('a point a run never reaches is reported not reached, never passed', async ({ services }) => {
    const service = services.postgres()
    let run = 0
    const result = await explore(
      through(async (client) => {
        run++
        await client.query(ORDER_SQL)
        if (run === 1) await client.query('SELECT 1') // only the recording run sends a second query
      }),
      {
        fresh: () => service.isolate(),
        faults: ['cut'],
        check: () => undefined,
      },
    )
    expect(result.points.find((p) => p.point.id === 'cut@Q#2')?.outcome).toBe('notReached')
    expect(result.counts.notReached).toBe(1)
    expect(result.counts.ok).toBe(result.messages.length - 1)
  })

  test('a reset or a delay beyond the client timeout breaks the write without a transaction', async ({
    services,
  }) => {
    const service = services.postgres()
    const withTimeout = async ({ url }: { url: string }): Promise<void> => {
      const client = new pg.Client({ connectionString: url, query_timeout: 200 })
      client.on('error', () => {})
      await client.connect()
      try {
        await placeOrderApart(client)
      } finally {
        await client.end().catch(() => {})
      }
    }
    const result = await explore(withTimeout, {
      fresh: () => service.isolate(),
      faults: ['reset', 'delay'],
      delay: 1_000,
      check: check(),
    })
    const outcome = (id: string) => result.points.find((p) => p.point.id === id)
    expect(outcome('reset@Q#2')?.outcome).toBe('failed')
    expect(outcome('delay@Q#1')).toMatchObject({ outcome: 'failed', error: 'Query read timeout' })
    expect(outcome('reset@Q#1')?.outcome).toBe('ok')
  })

  test('refuses options it cannot explore with, naming the argument', async ({ services }) => {
    const fresh = () => services.postgres().isolate()
    await expect(
      explore(through(placeOrder), { fresh, check: check(), faults: ['cut', 'explode' as 'cut'] }),
    ).rejects.toThrow(/options.faults\[1\]: expected one of/)
    await expect(explore(through(placeOrder), { fresh, check: check(), replay: 'Q#3' })).rejects.toThrow(
      /options.replay: expected a point id/,
    )
    await expect(explore(async () => {}, { fresh, check: check() })).rejects.toThrow(
      /the check failed on the run without any fault: the operation changed nothing/,
    )
    await expect(explore(async () => {}, { fresh, check: () => undefined })).rejects.toThrow(
      /the operation sent no message through the proxy/,
    )
    await expect(
      explore(through(placeOrder), { fresh: async () => ({}) as { url: string }, check: () => undefined }),
    ).rejects.toThrow(/options.fresh: expected a fresh state with the service's url/)
  })

  test('each faulted run is a window on the timeline, named after its point', async ({ services }) => {
    const service = services.postgres()
    const timeline = new Timeline()
    const result = await explore(through(placeOrder), {
      fresh: () => service.isolate(),
      faults: ['inFlight'],
      check: check(),
      timeline,
    })
    const entries = timeline.entries()
    expect(entries.map((e) => e.name)).toEqual(result.points.map((p) => `explore ${p.point.id}`))
    for (const entry of entries) expect(entry.healedAt).toBeGreaterThanOrEqual(entry.startedAt)
  })

  test('a state the check cannot read after a run fails that point, and the exploration goes on', async ({
    services,
  }) => {
    const service = services.postgres()
    let reads = 0
    const result = await explore(through(placeOrder), {
      fresh: () => service.isolate(),
      faults: ['cut'],
      check: {
        // The recording run reads before and after (1, 2); the first faulted run's read after it throws.
        read: () => {
          if (++reads === 4) throw new Error('relation "orders" does not exist')
          return reads
        },
        judge: () => undefined,
      },
    })
    expect(result.points[0]?.outcome).toBe('failed')
    expect(result.points[0]?.finding).toBe(
      'the check could not read the state: relation "orders" does not exist',
    )
    expect(result.counts).toMatchObject({ failed: 1, ok: result.messages.length - 1 })
  })

  test('explores the extended protocol: an autocommitted statement commits at its Sync', async ({
    services,
  }) => {
    const service = services.postgres()
    const parameterized = through(async (client) => {
      await client.query('INSERT INTO orders (id, customer) VALUES ($1, $2)', ['o-1', 'ada'])
      await client.query('INSERT INTO order_items (order_id, sku, qty) VALUES ($1, $2, $3)', [
        'o-1',
        'tea',
        2,
      ])
    })
    const result = await explore(parameterized, {
      fresh: () => service.isolate(),
      faults: ['inFlight'],
      check: check(),
    })
    const kinds = result.messages.map((m) => m.kind)
    expect(kinds).toEqual(expect.arrayContaining(['P', 'B', 'E', 'S']))
    // The server received the first INSERT's Parse, Bind and Execute without committing it; its Sync commits.
    expect(result.firstFailure?.point.id).toBe('inFlight@S#1')
    expect(result.firstFailure?.finding).toMatch(/^partial \(1 of 2 writes present/)
  })
})
