import { postgresContainer, rabbitmqContainer, redisContainer } from '@faultline/containers'
import { faultline } from '@faultline/vitest/plugin'
import { defineProject } from 'vitest/config'
import { fromSource } from '../vitest.source.ts'

// The integration suite: real PostgreSQL, Redis and RabbitMQ, started once for the run by the plugin.
// Images come from FAULTLINE_*_IMAGE (set by .ci/run to the images scripts/images.sh builds) or are the
// official ones.
export default defineProject({
  // fromSource(): this repository runs against the packages' source; a user's project leaves it out.
  plugins: [
    fromSource(),
    faultline({
      services: {
        pg: postgresContainer({
          template: async (client) => {
            await client.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)')
            await client.query('INSERT INTO accounts VALUES (1, 100), (2, 50)')
            await client.query('CREATE TABLE transfers (id serial PRIMARY KEY, note text NOT NULL)')
            // test/explore: an order and its items, written together
            await client.query('CREATE TABLE orders (id text PRIMARY KEY, customer text NOT NULL)')
            await client.query(
              'CREATE TABLE order_items (order_id text NOT NULL, sku text NOT NULL, qty int NOT NULL, PRIMARY KEY (order_id, sku))',
            )
          },
        }),
        cache: redisContainer(),
        mq: rabbitmqContainer(),
      },
    }),
  ],
  test: {
    name: 'integration',
    include: ['**/*.test.ts'],
    testTimeout: 60_000,
  },
})
