import { postgresContainer, redisContainer } from '@faultline/containers'
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
        db: postgresContainer({ template: migrate }),
        cache: redisContainer(),
      },
    }),
  ],
  test: { name: 'example-auth', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
})
