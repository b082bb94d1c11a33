// Pairs of faults against the run's PostgreSQL: an order write that retries once and then gives up
// quietly survives every single fault (the retry repairs it) and breaks under two — found by fast-check
// from a seed, shrunk to the smallest pair, and replayed alone.
import { test } from '@faultline/vitest'
import { atomicity } from '@faultline/vitest/matchers'
import pg from 'pg'
import { describe, expect } from 'vitest'

/** Retries the whole order once on any error; the second failure is swallowed: the bug needs two faults. */
async function placeOrderRetryingQuietly({ url }: { url: string }): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('BEGIN')
      await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
      await client.query("INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2)")
      await client.query('COMMIT')
      return
    } catch {
      // attempt 1: retried; attempt 2: given up without a word (the bug)
    } finally {
      await client.end().catch(() => {})
    }
  }
}

/** Tries the order up to `attempts` times on any error, then gives up without a word. */
const retryingQuietly =
  (attempts: number) =>
  async ({ url }: { url: string }): Promise<void> => {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.query('BEGIN')
        await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
        await client.query("INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2)")
        await client.query('COMMIT')
        return
      } catch {
        // retried; the last failure is swallowed
      } finally {
        await client.end().catch(() => {})
      }
    }
  }

/** The fix: the same retry, and its last failure reaches the caller. */
async function placeOrderRetrying({ url }: { url: string }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('BEGIN')
      await client.query("INSERT INTO orders (id, customer) VALUES ('o-1', 'ada')")
      await client.query("INSERT INTO order_items (order_id, sku, qty) VALUES ('o-1', 'tea', 2)")
      await client.query('COMMIT')
      return
    } catch (error) {
      if (attempt === 2) throw error
    } finally {
      await client.end().catch(() => {})
    }
  }
}

const check = () => atomicity({ tables: ['orders', 'order_items'] })

/** The message of a failed assertion. */
const failure = (run: Promise<void>): Promise<string> =>
  run.then(
    () => 'passed',
    (error: Error) => error.message,
  )

describe('.toSurviveEveryFault with combinations', () => {
  test('single faults alone pass: the retry repairs each', async ({ services }) => {
    await expect(placeOrderRetryingQuietly).toSurviveEveryFault({
      service: services.postgres(),
      check: check(),
    })
  })

  test('fails on a pair of faults, shrunk to the smallest, with its replay', async ({ services }) => {
    const text = await failure(
      expect(placeOrderRetryingQuietly).toSurviveEveryFault({
        service: services.postgres(),
        check: check(),
        combinations: { runs: 30 },
        seed: 11,
      }),
    )
    const lines = text.split('\n')
    expect(lines[0]).toBe(
      "expect(operation).toSurviveEveryFault({ faults: ['cut', 'inFlight'], combinations: true })",
    )
    expect(lines[2]).toBe(
      'atomicity broken by 2 faults: cut before `startup` (message 1 of 8) reached the server, then in that run cut before `startup` (message 2 of 9) reached the server',
    )
    expect(lines[3]).toMatch(/^found nothing, although the operation resolved: an acknowledged write lost/)
    expect(lines[4]).toBe('the operation resolved')
    expect(lines[5]).toMatch(/^16 points explored \(0 failed, 16 ok, 0 indeterminate, 0 not reached\)/)
    expect(lines[6]).toMatch(
      /^pairs of faults: \d+ of \d+ run \([\d.]+ % of the space, sampled by fast-check, seed 11: [1-9]\d* failed, \d+ ok, 0 indeterminate, \d+ not reached\), shrunk \d+ times? to this pair$/,
    )
    expect(lines).toContain("replay it alone: { replay: 'cut@startup#1+cut@startup#2', seed: 11 }")
    expect(text).toMatch(/^Hint: the operation reported success although nothing it wrote is there/m)
  })

  test('the failing pair replayed alone fails again', async ({ services }) => {
    const text = await failure(
      expect(placeOrderRetryingQuietly).toSurviveEveryFault({
        service: services.postgres(),
        check: check(),
        replay: 'cut@startup#1+cut@startup#2',
        seed: 11,
      }),
    )
    expect(text).toMatch(/^atomicity broken by 2 faults: cut before `startup` \(message 1 of 8\)/m)
    expect(text).toMatch(
      /^pairs of faults: 1 of 1 run \(100 % of the space, sampled by fast-check, seed 11: 1 failed/m,
    )
  })

  test('passes with pairs when the retry lets its last failure reach the caller', async ({ services }) => {
    await expect(placeOrderRetrying).toSurviveEveryFault({
      service: services.postgres(),
      check: check(),
      combinations: { runs: 20 },
    })
  })

  test('says when the time budget cut the search over pairs short', async ({ services }) => {
    const text = await failure(
      expect(placeOrderRetrying).not.toSurviveEveryFault({
        service: services.postgres(),
        check: check(),
        faults: ['cut'],
        combinations: { runs: 50, within: 1 },
      }),
    )
    expect(text).toMatch(/^every explored point held atomicity, expected a point that breaks it$/m)
    expect(text).toMatch(
      /^pairs of faults: \d+ of \d+ run .*; the time budget \(combinations.within\) cut the search short$/m,
    )
  })

  test('schedules of three faults: a retry that gives up quietly after its third attempt', async ({
    services,
  }) => {
    const text = await failure(
      expect(retryingQuietly(3)).toSurviveEveryFault({
        service: services.postgres(),
        check: check(),
        combinations: { size: 3, runs: 60 },
        seed: 5,
      }),
    )
    const lines = text.split('\n')
    expect(lines[0]).toBe(
      "expect(operation).toSurviveEveryFault({ faults: ['cut', 'inFlight'], combinations: { size: 3 } })",
    )
    expect(lines[2]).toMatch(
      /^atomicity broken by 3 faults: cut before `startup` \(message 1 of 8\) reached the server, then in that run cut before `startup` \(message 2 of \d+\) reached the server, then in that run cut before `startup` \(message 3 of \d+\) reached the server$/,
    )
    expect(lines[3]).toMatch(/^found nothing, although the operation resolved/)
    expect(lines[6]).toMatch(
      /^schedules of 2 to 3 faults: \d+ run \(of \d+ pairs and the longer schedules their runs lead to; sampled by fast-check, seed 5: [1-9]\d* failed, [1-9]\d* ok, .*\), shrunk \d+ times? to this schedule$/,
    )
    expect(lines).toContain(
      "replay it alone: { replay: 'cut@startup#1+cut@startup#2+cut@startup#3', seed: 5 }",
    )
    const replayed = await failure(
      expect(retryingQuietly(3)).toSurviveEveryFault({
        service: services.postgres(),
        check: check(),
        replay: 'cut@startup#1+cut@startup#2+cut@startup#3',
        seed: 5,
      }),
    )
    expect(replayed).toMatch(/^atomicity broken by 3 faults: cut before `startup` \(message 1 of 8\)/m)
    expect(replayed).toMatch(/^schedules of 2 to 3 faults: 1 run .*: 1 failed/m)
  })
})
