import { postgresContainer, rabbitmqContainer, redisContainer } from '@faultline/containers'
import { faultline } from '@faultline/vitest/plugin'
import { defineProject } from 'vitest/config'
import { fromSource } from '../../vitest.source.ts'
import { migrate } from './src/schema.js'

export default defineProject({
  // fromSource(): this repository runs against the packages' source; a user's project leaves it out.
  plugins: [
    fromSource(),
    faultline({
      services: {
        // `template` runs once; every test gets a fresh copy of the migrated database.
        db: postgresContainer({ template: migrate }),
        cache: redisContainer(),
        broker: rabbitmqContainer(),
      },
    }),
  ],
  test: { name: 'example-quickstart', include: ['src/**/*.test.ts'] },
})
