import { randomBytes } from 'node:crypto'
import { PostgresService } from '@faultline/containers'
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

  test('fails: statements outside one transaction leave a partial transfer, and the message names the writes', async ({
    services,
  }) => {
    const error = await expect(transferWithoutTransaction)
      .toBeAtomicUnderDisconnect({ service: services.postgres(), cut: { afterStatements: 2 }, tables })
      .catch((e: unknown) => e)
    expect(String(error)).toMatch(
      /^Error: expect\(fn\)\.toBeAtomicUnderDisconnect\(\{ cut: \{"afterStatements":2\} \}\)/,
    )
    expect(String(error)).toContain(
      [
        'cut after 2 statements (at Q UPDATE accounts SET balance = balance + 30 WHERE id = 2): found partial, expected nothing',
        '2 of 3 writes present, 1 missing',
        '  present: accounts id=1: balance 100 -> 70',
        '  present: transfers: row inserted {note: "1 -> 2: 30"}',
        '  missing: accounts id=2: balance 50 -> 80 (found 50)',
        'differing columns: accounts.balance',
        'compared: accounts (id, balance; by key id), transfers (note; rows as a multiset)',
        "left out (filled by the database): transfers.id (nextval('transfers_id_seq'::regclass))",
      ].join('\n'),
    )
    expect(String(error)).toContain(
      'Hint: 2 writes were committed before the cut, and no COMMIT had reached the server: they ran in autocommit or in an earlier transaction. Run every statement in one transaction',
    )
  })

  test('fails: statements outside one transaction, cut after the last one, are all there: "all" is not "nothing"', async ({
    services,
  }) => {
    const error = await expect(async (client: pg.Client) => {
      await transferWithoutTransaction(client)
      await client.query('SELECT 1') // the cut comes here, after every write was committed on its own
    })
      .toBeAtomicUnderDisconnect({ service: services.postgres(), cut: { afterStatements: 3 }, tables })
      .catch((e: unknown) => e)
    expect(String(error)).toContain('cut after 3 statements (at Q SELECT 1): found all, expected nothing')
    expect(String(error)).toContain('Hint: 3 writes were committed before the cut')
  })

  test('names one statement in the singular', async ({ services }) => {
    const error = await expect(transferWithoutTransaction)
      .toBeAtomicUnderDisconnect({ service: services.postgres(), cut: { afterStatements: 1 }, tables })
      .catch((e: unknown) => e)
    expect(String(error)).toContain('cut after 1 statement (at Q UPDATE accounts SET balance = balance - 30')
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

// Tables the database fills itself: a uuid key, a serial, now() / clock_timestamp() / CURRENT_TIMESTAMP
// defaults. A committed transfer's rows differ from the reference run's in exactly those columns. Each
// test of this block gets copies of a template of its own on the same server.
const FILLED = `
  CREATE TABLE accounts (
    id int PRIMARY KEY,
    balance int NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  INSERT INTO accounts (id, balance) VALUES (1, 100), (2, 50);
  CREATE TABLE transfers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq serial,
    note text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    recorded_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    status text NOT NULL DEFAULT 'new'
  );
  -- A COMMIT that takes a while, when the transaction asks for it: a deferred trigger runs at COMMIT.
  CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF current_setting('app.slow_commit', true) = 'on' THEN PERFORM pg_sleep(3); END IF;
    RETURN NULL;
  END $$;
  CREATE CONSTRAINT TRIGGER transfers_slow_commit AFTER INSERT ON transfers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
`

/** A PostgreSQL service on the same server whose isolated databases are copies of a template of its own. */
async function withTemplate(base: PostgresService, sql: string): Promise<PostgresService & AsyncDisposable> {
  const template = `tpl_${randomBytes(6).toString('hex')}`
  const admin = base.client('postgres')
  await admin.connect()
  await admin.query(`CREATE DATABASE ${template}`).finally(() => admin.end())
  const prepare = base.client(template)
  await prepare.connect()
  await prepare.query(sql).finally(() => prepare.end())
  const service = new PostgresService({ ...base.info, templateDatabase: template, isolationPool: 0 })
  return Object.assign(service, {
    async [Symbol.asyncDispose]() {
      await service.close()
      const drop = base.client('postgres')
      await drop.connect()
      await drop.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).finally(() => drop.end())
    },
  })
}

/** Correct, on the tables above: one transaction; the function sets updated_at itself. */
async function transferStamped(client: pg.Client): Promise<void> {
  await client.query('BEGIN')
  await client.query("INSERT INTO transfers (note) VALUES ('1 -> 2: 30')")
  await client.query('UPDATE accounts SET balance = balance - 30, updated_at = now() WHERE id = 1')
  await client.query('UPDATE accounts SET balance = balance + 30, updated_at = now() WHERE id = 2')
  await client.query('COMMIT')
}

/** Broken: the debit and the credit in two transactions; a cut at the first COMMIT keeps only the debit. */
async function transferInTwoTransactions(client: pg.Client): Promise<void> {
  await client.query('BEGIN')
  await client.query("INSERT INTO transfers (note) VALUES ('1 -> 2: 30')")
  await client.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1')
  await client.query('COMMIT')
  await client.query('BEGIN')
  await client.query('UPDATE accounts SET balance = balance + 30 WHERE id = 2')
  await client.query('COMMIT')
}

/** Correct, with a COMMIT that takes 3 s on the server. */
async function transferSlowCommit(client: pg.Client): Promise<void> {
  await client.query('BEGIN')
  await client.query("SELECT set_config('app.slow_commit', 'on', true)")
  await client.query("INSERT INTO transfers (note) VALUES ('1 -> 2: 30')")
  await client.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1')
  await client.query('UPDATE accounts SET balance = balance + 30 WHERE id = 2')
  await client.query('COMMIT')
}

describe('.toBeAtomicUnderDisconnect on columns the database fills', () => {
  test('passes: a transfer committed in flight is whole, although its uuid, serial and timestamps differ from the reference run', async ({
    services,
  }) => {
    await using service = await withTemplate(services.postgres(), FILLED)
    await expect(transferStamped).toBeAtomicUnderDisconnect({ service, cut: 'in-flight-commit', tables })
    await expect(transferStamped).toBeAtomicUnderDisconnect({ service, cut: { afterStatements: 2 }, tables })
  })

  test('fails: a transfer split in two transactions, cut in flight at its first COMMIT, is partial; the message names the writes and columns', async ({
    services,
  }) => {
    await using service = await withTemplate(services.postgres(), FILLED)
    const error = await expect(transferInTwoTransactions)
      .toBeAtomicUnderDisconnect({ service, cut: 'in-flight-commit', tables })
      .catch((e: unknown) => e)
    const text = String(error)
    expect(text).toContain(
      'cut in flight at COMMIT (the server got it, the answer was lost) (at Q COMMIT): found partial, expected all or nothing',
    )
    expect(text).toContain('2 of 3 writes present, 1 missing')
    expect(text).toContain('missing: accounts id=2: balance 50 -> 80 (found 50)')
    expect(text).toContain('present: accounts id=1: balance 100 -> 70')
    expect(text).toContain('differing columns: accounts.balance')
    expect(text).toContain(
      'left out (filled by the database): accounts.updated_at (now()), transfers.id (gen_random_uuid()), transfers.seq (nextval',
    )
    expect(text).toMatch(/Hint: .*commits more than once/)
  })

  test('naming a column the database fills brings it back; values no run wrote are "neither", with a hint to leave them out', async ({
    services,
  }) => {
    await using service = await withTemplate(services.postgres(), FILLED)
    const error = await expect(transferStamped)
      .toBeAtomicUnderDisconnect({
        service,
        cut: 'in-flight-commit',
        tables,
        columns: ['accounts.updated_at', 'balance', 'note'],
      })
      .catch((e: unknown) => e)
    const text = String(error)
    expect(text).toMatch(/found neither \(values no run wrote\), expected all or nothing/)
    expect(text).toContain('differing columns: accounts.updated_at')
    expect(text).toMatch(/Hint: .*ignoreColumns/)
    expect(text).not.toContain('one transaction')
    await expect(transferStamped).toBeAtomicUnderDisconnect({
      service,
      cut: 'in-flight-commit',
      tables,
      ignoreColumns: ['accounts.updated_at'],
    })
  })

  test('refuses a column no table has, naming the option', async ({ services }) => {
    await using service = await withTemplate(services.postgres(), FILLED)
    await expect(
      expect(transferStamped).toBeAtomicUnderDisconnect({
        service,
        cut: 'commit',
        tables,
        ignoreColumns: ['created'],
      }),
    ).rejects.toThrow(/options\.ignoreColumns: no table of accounts, transfers has a column "created"/)
  })

  test('waits for the cut backend to finish its COMMIT before judging: a 3 s COMMIT is judged whole', async ({
    services,
  }) => {
    await using service = await withTemplate(services.postgres(), FILLED)
    // .not to read the message of a pass: what was found, once the backend was gone.
    await expect(
      expect(transferSlowCommit).not.toBeAtomicUnderDisconnect({ service, cut: 'in-flight-commit', tables }),
    ).rejects.toThrow(/found all, expected all or nothing/)
  })

  test('fails with a clear error when the cut backend has not exited by the deadline, instead of judging', async ({
    services,
  }) => {
    await using service = await withTemplate(services.postgres(), FILLED)
    await expect(
      expect(transferSlowCommit).toBeAtomicUnderDisconnect({
        service,
        cut: 'in-flight-commit',
        tables,
        backendExitTimeout: 200,
      }),
    ).rejects.toThrow(/the cut connection's backend \(pid \d+\) was still running 0\.2 s after the cut/)
  })
})
