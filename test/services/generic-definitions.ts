// MariaDB and memcached as generic services: what docs/services.md shows a user writing (the regions
// below appear on that page verbatim, test/services/generic-docs.test.ts checks it). Imported by the
// integration tests and by the nested Vitest run's config (fixtures/generic).
import { randomBytes } from 'node:crypto'
import { container } from '@faultline/containers'
import mysql from 'mysql2/promise'

// #region mariadb
// A database of its own for each test: CREATE DATABASE before, DROP DATABASE after.
async function sql(url: string, statement: string): Promise<void> {
  const connection = await mysql.createConnection(url)
  try {
    await connection.query(statement)
  } finally {
    await connection.end()
  }
}

export const mariadb = container(process.env.FAULTLINE_MARIADB_IMAGE ?? 'mariadb:11', {
  ports: [3306],
  env: { MARIADB_ROOT_PASSWORD: 'test' },
  url: ({ host, port }) => `mysql://root:test@${host}:${port}/`,
  isolate: async (service) => {
    const database = `t_${randomBytes(6).toString('hex')}`
    await sql(service.url, `CREATE DATABASE ${database}`)
    return {
      database,
      url: `${service.url}${database}`,
      release: () => sql(service.url, `DROP DATABASE IF EXISTS ${database}`),
    }
  },
})
// #endregion

// #region memcached
// memcached has no databases: each test gets a key prefix of its own.
export const memcached = container(process.env.FAULTLINE_MEMCACHED_IMAGE ?? 'memcached:1.6', {
  ports: [11211],
  ready: { send: 'version\r\n', expect: 'VERSION' }, // memcached speaks only when spoken to
  url: ({ host, port }) => `memcached://${host}:${port}`,
  isolate: async () => ({ prefix: `t_${randomBytes(6).toString('hex')}:` }),
})
// #endregion
