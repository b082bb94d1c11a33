import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'containers', include: ['src/**/*.test.ts'] },
})
