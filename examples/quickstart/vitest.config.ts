import { postgres, rabbitmq, redis } from '@faultline/containers'
import { faultline } from '@faultline/vitest/plugin'
import { defineProject } from 'vitest/config'
import { migrate } from './src/schema.js'

export default defineProject({
  plugins: [
    faultline({
      services: {
        // `template` runs once; every test gets a fresh copy of the migrated database.
        db: postgres({ template: migrate }),
        cache: redis(),
        broker: rabbitmq(),
      },
    }),
  ],
  test: { name: 'example-quickstart', include: ['src/**/*.test.ts'] },
})
