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
 * Stores a tenant's messages as they arrive (an import of its history, streamed from the tenant's upload)
 * in one transaction, an INSERT per batch, and counts them in the tenant's usage. Returns how many it
 * stored. The import holds its connection until the last batch has arrived: for as long as the upload
 * takes, however little work the database has to do.
 */
export async function importMessages(
  pool: pg.Pool,
  tenantId: string,
  batches: AsyncIterable<readonly string[]>,
): Promise<number> {
  const client = await pool.connect()
  let count = 0
  try {
    await client.query('BEGIN')
    for await (const bodies of batches) {
      await client.query('INSERT INTO messages (tenant_id, body) SELECT $1, unnest($2::text[])', [
        tenantId,
        bodies,
      ])
      count += bodies.length
    }
    await client.query('UPDATE tenant_usage SET messages = messages + $2 WHERE tenant_id = $1', [
      tenantId,
      count,
    ])
    await client.query('COMMIT')
    client.release()
    return count
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {}) // the connection may be gone; the error above is what matters
    client.release(true)
    throw error
  }
}
