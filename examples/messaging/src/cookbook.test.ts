import { test } from 'vitest'
import { expectPageShowsRegions } from '../../../packages/vitest/src/matchers/docs-regions.test-support.js'

// docs/cookbook.md shows the code of this example: each region below (between `// #region <name>` and
// `// #endregion <name>`) must appear on the page verbatim, so the page cannot drift from the code that runs.
const regions: Record<string, string[]> = {
  'llm.ts': ['naive-llm', 'hardened-llm'],
  'black-hole-llm.test.ts': ['black-hole-test', 'black-hole-naive'],
  'queues.ts': ['declare-queues', 'publish'],
  'poison-pill.test.ts': ['poison-test'],
  'store.ts': ['save-message'],
  'split-brain.test.ts': ['atomic-test', 'retry-test'],
  'back-pressure.test.ts': ['back-pressure-test'],
  'db.ts': ['create-pool'],
  'thundering-herd.test.ts': ['herd-test', 'retry-storm-test'],
}

test('docs/cookbook.md shows the tested code verbatim', () => {
  for (const [file, names] of Object.entries(regions))
    expectPageShowsRegions('docs/cookbook.md', new URL(file, import.meta.url).href, names)
})
