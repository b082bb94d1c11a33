import { expect, test } from '@faultline/vitest'
import type pg from 'pg'
import { transfer } from './payments.js'

const move = (client: pg.Client) => transfer(client, 1, 2, 2_500)
const tables = ['accounts', 'ledger']

// The connection is cut through a fault proxy at an exact protocol message; each run gets a fresh copy of
// the migrated database.
test('a transfer cut before COMMIT leaves no trace', async ({ services }) => {
  const service = services.postgres()
  await expect(move).toBeAtomicUnderDisconnect({ service, cut: { afterStatements: 2 }, tables })
  await expect(move).toBeAtomicUnderDisconnect({ service, cut: 'commit', tables })
})

test('a transfer whose COMMIT answer is lost is whole or absent, never half done', async ({ services }) => {
  await expect(move).toBeAtomicUnderDisconnect({
    service: services.postgres(),
    cut: 'in-flight-commit',
    tables,
  })
})
