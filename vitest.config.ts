import { defineConfig } from 'vitest/config'

// One run covers everything: unit tests of every package (no services), the integration suite under
// test/ (real containers, started once by the Faultline plugin), and the examples.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'test/vitest.config.ts', 'examples/*/vitest.config.ts'],
  },
})
