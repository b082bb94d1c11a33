import type pg from 'pg'

/** A message as a tenant sends it. */
export interface NewMessage {
  tenantId: string
  body: string
  /** The caller's id for this message: its retries carry the same one. */
  idempotencyKey?: string
}

// #region save-message
/**
 * Stores a message and counts it in the tenant's usage; returns its id.
 *
 * - hardened: one transaction, so the message and its count are committed together or not at all; and a
 *   retry with the same idempotency key finds the message already there instead of storing it twice
 *   (`ON CONFLICT DO NOTHING` on the unique `(tenant_id, idempotency_key)`);
 * - naive (the audit's): two statements in autocommit, so a cut between them leaves a message nobody is
 *   billed for; and the key is ignored, so a caller that retries after a lost answer stores it twice.
 */
export async function saveMessage(
  db: pg.ClientBase,
  message: NewMessage,
  { hardened }: { hardened: boolean },
): Promise<number> {
  if (!hardened) {
    const { rows } = await db.query<{ id: number }>(
      'INSERT INTO messages (tenant_id, body) VALUES ($1, $2) RETURNING id',
      [message.tenantId, message.body],
    )
    await db.query('UPDATE tenant_usage SET messages = messages + 1 WHERE tenant_id = $1', [message.tenantId])
    return rows[0]!.id
  }
  await db.query('BEGIN')
  try {
    const inserted = await db.query<{ id: number }>(
      `INSERT INTO messages (tenant_id, idempotency_key, body) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
      [message.tenantId, message.idempotencyKey ?? null, message.body],
    )
    let id = inserted.rows[0]?.id
    if (id === undefined) {
      const { rows } = await db.query<{ id: number }>(
        'SELECT id FROM messages WHERE tenant_id = $1 AND idempotency_key = $2',
        [message.tenantId, message.idempotencyKey],
      )
      id = rows[0]!.id // stored by an earlier attempt: counted then
    } else {
      await db.query('UPDATE tenant_usage SET messages = messages + 1 WHERE tenant_id = $1', [
        message.tenantId,
      ])
    }
    await db.query('COMMIT')
    return id
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {}) // the connection may be gone; the error above is what matters
    throw error
  }
}
// #endregion save-message

/**
 * Checks a client out of the pool, stores the message, and gives the client back — or destroys it when the
 * call failed, so a connection cut mid-transaction is never handed out again.
 */
export async function storeMessage(
  pool: pg.Pool,
  message: NewMessage,
  options: { hardened: boolean },
): Promise<number> {
  const client = await pool.connect()
  try {
    const id = await saveMessage(client, message, options)
    client.release()
    return id
  } catch (error) {
    client.release(true)
    throw error
  }
}

/**
 * Stores a batch of a tenant's messages (an import of its history) in one transaction, one INSERT for the
 * whole batch, and counts them in the tenant's usage. Returns how many it stored. The batch holds its
 * connection for as long as its rows take: that is what a bulk import costs the pool.
 */
export async function importMessages(
  pool: pg.Pool,
  tenantId: string,
  bodies: readonly string[],
): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('INSERT INTO messages (tenant_id, body) SELECT $1, unnest($2::text[])', [
      tenantId,
      bodies,
    ])
    await client.query('UPDATE tenant_usage SET messages = messages + $2 WHERE tenant_id = $1', [
      tenantId,
      bodies.length,
    ])
    await client.query('COMMIT')
    client.release()
    return bodies.length
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {}) // the connection may be gone; the error above is what matters
    client.release(true)
    throw error
  }
}
