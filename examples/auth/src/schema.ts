import type pg from 'pg'
import { hashPassword } from './passwords.js'

/** Users in the template database: `user-1` … `user-1000`, each with this password. */
export const USERS = 1_000
export const PASSWORD = 'correct horse battery staple'

/**
 * The users (one password hash for all of them keeps the template quick to build) and the audit log,
 * written on every login, refresh and logout.
 */
export async function migrate(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE TABLE users (username text PRIMARY KEY, password_hash text NOT NULL);
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      event_id uuid UNIQUE, -- the writer's idempotency key (see createAuditLog in db.ts)
      event text NOT NULL,
      username text NOT NULL,
      ip text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    );
  `)
  await client.query(
    `INSERT INTO users (username, password_hash) SELECT 'user-' || g, $1 FROM generate_series(1, $2::int) g`,
    [await hashPassword(PASSWORD), USERS],
  )
}
