import { expect, test } from '@faultline/vitest'
import type pg from 'pg'
import { describe } from 'vitest'

// The split-brain scenario: a transfer moves 30 from account 1 to account 2 and records it. With its
// connection cut anywhere before COMMIT, nothing may be committed; cut in flight at COMMIT, all or nothing;
// partial never. `accounts` and `transfers` come from the integration project's template
// (test/vitest.config.ts).

/** Correct: one transaction on one client. */
async function transfer(client: pg.Client): Promise<void> {
  await client.query('BEGIN')
  await client.query("INSERT INTO transfers (note) VALUES ('1 -> 2: 30')")
  await client.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1')
  await client.query('UPDATE accounts SET balance = balance + 30 WHERE id = 2')
  await client.query('COMMIT')
}

/** Broken: the same statements in autocommit, each committed on its own. */
async function transferWithoutTransaction(client: pg.Client): Promise<void> {
  await client.query("INSERT INTO transfers (note) VALUES ('1 -> 2: 30')")
  await client.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1')
  await client.query('UPDATE accounts SET balance = balance + 30 WHERE id = 2')
}

/** Broken differently: a transaction whose failure the caller never hears of. */
async function transferSwallowingErrors(client: pg.Client): Promise<void> {
  try {
    await transfer(client)
  } catch {
    // "best effort" — the bug
  }
}

const tables = ['accounts', 'transfers']

describe('.toBeAtomicUnderDisconnect', () => {
  test('passes: a transaction cut before its first statement, after 3 statements, or at COMMIT leaves nothing', async ({
    services,
  }) => {
    const service = services.postgres()
    await expect(transfer).toBeAtomicUnderDisconnect({ service, cut: 'first-statement', tables })
    await expect(transfer).toBeAtomicUnderDisconnect({ service, cut: { afterStatements: 3 }, tables })
    await expect(transfer).toBeAtomicUnderDisconnect({ service, cut: 'commit', tables })
  })

  test('passes: cut in flight at COMMIT, the transfer is whole or absent', async ({ services }) => {
    await expect(transfer).toBeAtomicUnderDisconnect({
      service: services.postgres(),
      cut: 'in-flight-commit',
      inspect:
        'SELECT a.id, a.balance, (SELECT count(*) FROM transfers)::int AS transfers FROM accounts a ORDER BY a.id',
    })
  })

  test('fails: statements outside one transaction leave a partial transfer, and the message shows the rows', async ({
    services,
  }) => {
    const error = await expect(transferWithoutTransaction)
      .toBeAtomicUnderDisconnect({ service: services.postgres(), cut: { afterStatements: 2 }, tables })
      .catch((e: unknown) => e)
    expect(String(error)).toMatch(
      /^Error: expect\(fn\)\.toBeAtomicUnderDisconnect\(\{ cut: \{"afterStatements":2\} \}\)/,
    )
    expect(String(error)).toContain(
      'cut after 2 statements (at Q UPDATE accounts SET balance = balance + 30 WHERE id = 2): found partial, expected nothing',
    )
    expect(String(error)).toContain(
      'rows found: {"accounts":[{"id":1,"balance":70},{"id":2,"balance":50}],"transfers":[{"id":1,"note":"1 -> 2: 30"}]}',
    )
    expect(String(error)).toContain('Hint: run every statement in one transaction')
  })

  test('fails: a function that swallows the disconnect is caught', async ({ services }) => {
    const error = await expect(transferSwallowingErrors)
      .toBeAtomicUnderDisconnect({ service: services.postgres(), cut: 'commit', tables })
      .catch((e: unknown) => e)
    expect(String(error)).toContain(
      'the caller got no error: the function resolved although its connection was cut',
    )
  })

  test('refuses a cut that never happens, naming the option', async ({ services }) => {
    await expect(
      expect(transfer).toBeAtomicUnderDisconnect({
        service: services.postgres(),
        cut: { afterStatements: 40 },
        tables,
      }),
    ).rejects.toThrow(/options\.cut: the cut after 40 statements never happened/)
  })
})
