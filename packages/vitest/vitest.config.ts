import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'vitest', include: ['src/**/*.test.ts'] },
})
