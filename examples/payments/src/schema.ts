import type pg from 'pg'

/** Accounts with balances, and the ledger of transfers between them. */
export async function migrate(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE TABLE accounts (id int PRIMARY KEY, balance_cents int NOT NULL CHECK (balance_cents >= 0));
    CREATE TABLE ledger (id serial PRIMARY KEY, from_id int NOT NULL, to_id int NOT NULL, cents int NOT NULL);
    INSERT INTO accounts VALUES (1, 10000), (2, 5000);
  `)
}
