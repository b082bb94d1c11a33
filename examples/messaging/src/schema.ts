import type pg from 'pg'

/**
 * Messages per tenant, each tenant's usage counter (written in the same transaction as the message), and
 * the worker's replies. A message sent with an idempotency key is stored once per tenant and key.
 */
export async function migrate(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE TABLE messages (
      id serial PRIMARY KEY,
      tenant_id text NOT NULL,
      idempotency_key text,
      body text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (tenant_id, idempotency_key)
    );
    CREATE TABLE tenant_usage (tenant_id text PRIMARY KEY, messages int NOT NULL DEFAULT 0);
    CREATE TABLE replies (message_id int PRIMARY KEY, tenant_id text NOT NULL, reply text NOT NULL);
    INSERT INTO tenant_usage (tenant_id) VALUES ('acme'), ('globex');
  `)
}
