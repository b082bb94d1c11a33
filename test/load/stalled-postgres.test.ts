import { setTimeout as sleep } from 'node:timers/promises'
import { type LoadReport, load } from '@faultline/core'
import { expect, type PostgresFixture, test } from '@faultline/vitest'
import pg from 'pg'
import { describe } from 'vitest'

// PostgreSQL stalls for a second, as under a lock held by a slow migration: 0.5 s into the run a
// transaction takes an exclusive lock on the table every call reads, and holds it through pg_sleep(1).
// Load: the reproduction, 200 arrivals/s for 2 s with at most 20 queries in flight.
const ARRIVALS = 400

async function stalledRun(postgres: PostgresFixture, options: { maxQueued?: number }): Promise<LoadReport> {
  await postgres.client.query('CREATE TABLE stock (id int PRIMARY KEY, n int NOT NULL)')
  await postgres.client.query('INSERT INTO stock VALUES (1, 10)')
  const pool = new pg.Pool({ connectionString: postgres.url, max: 20 })
  pool.on('error', () => {})
  const locker = new pg.Client({ connectionString: postgres.url })
  locker.on('error', () => {})
  try {
    await locker.connect()
    // Open the pool's 20 connections first: connecting is not what this test measures.
    await Promise.all(Array.from({ length: 20 }, () => pool.query('SELECT pg_sleep(0.05)')))
    const stall = (async () => {
      await sleep(500)
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE stock IN ACCESS EXCLUSIVE MODE')
      await locker.query('SELECT pg_sleep(1)')
      await locker.query('COMMIT')
    })()
    const report = await load(() => pool.query('SELECT n FROM stock WHERE id = 1'), {
      rate: 200,
      duration: 2000,
      maxInFlight: 20,
      seed: 9,
      ...options,
    })
    await stall
    return report
  } finally {
    await locker.end().catch(() => {})
    await pool.end()
  }
}

describe('open model against a PostgreSQL that stalls for a second', () => {
  test('no arrival disappears: those that found 20 queries in flight waited, and their wait is in the latency', async ({
    postgres,
  }) => {
    const report = await stalledRun(postgres, {})
    expect(report.count).toBe(ARRIVALS)
    expect([report.dropped, report.errors, report.latency.count]).toEqual([0, 0, ARRIVALS])
    // Queries due during the stall waited for the lock, or for a slot, up to 1 s from when they were due.
    expect(report.p99).toBeGreaterThanOrEqual(800)
  })

  test('past maxQueued, arrivals are dropped as failures: the error rate, the summary and toMeetSLO see them', async ({
    postgres,
  }) => {
    const report = await stalledRun(postgres, { maxQueued: 50 })
    expect(report.count).toBe(ARRIVALS)
    expect(report.dropped).toBeGreaterThan(50)
    expect(report.errorsByKind.dropped).toBe(report.dropped)
    expect(report.errorRate).toBeGreaterThanOrEqual(report.dropped / ARRIVALS)
    expect(report.latency.count).toBe(ARRIVALS - report.dropped)
    expect(report.summary()).toContain(`${report.dropped} of ${ARRIVALS} arrivals dropped`)
    expect(() => expect(report).toMeetSLO({ errorRate: 0.01, throughput: 100 })).toThrowError(/error rate/)
  })
})
