import type pg from 'pg'

/** The order service's schema. */
export async function migrate(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE TABLE orders (id text PRIMARY KEY, customer text NOT NULL, total_cents int NOT NULL);
    CREATE TABLE customers (name text PRIMARY KEY, order_count int NOT NULL DEFAULT 0);
  `)
}
