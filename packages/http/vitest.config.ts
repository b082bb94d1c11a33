import { defineProject } from 'vitest/config'
import { fromSource } from '../../vitest.source.ts'

export default defineProject({
  plugins: [fromSource()],
  test: { name: 'http', include: ['src/**/*.test.ts'] },
})
