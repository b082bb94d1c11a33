import { defineProject } from 'vitest/config'
import { fromSource } from '../../vitest.source.ts'

export default defineProject({
  plugins: [fromSource()],
  test: {
    name: 'vitest',
    include: ['src/**/*.test.ts'],
    // The matchers' own tests pin their messages in inline snapshots: no chart (nor its `Chart:` line)
    // there. The chart tests (src/report/) switch charts on themselves.
    env: { FAULTLINE_CHARTS: '0' },
  },
})
