import { test } from 'vitest'
import { expectPageShowsRegions } from '../../../packages/vitest/src/matchers/docs-regions.test-support.js'

// docs/cookbook.md shows the code of this example: each region below (between `// #region <name>` and
// `// #endregion <name>`) must appear on the page verbatim, so the page cannot drift from the code that runs.
const regions: Record<string, string[]> = {
  'db.ts': ['create-database'],
  'login-load.test.ts': ['login-load-test'],
  'rate-limit-attack.test.ts': ['rate-limit-attack-test'],
  'tokens.ts': ['verifier'],
  'revocation-burst.test.ts': ['revocation-test'],
  'redis.ts': ['create-redis'],
  'blacklist.ts': ['blacklist'],
  'redis-outage.test.ts': ['redis-outage-test'],
}

test('docs/cookbook.md shows the tested code of examples/auth verbatim', () => {
  for (const [file, names] of Object.entries(regions))
    expectPageShowsRegions('docs/cookbook.md', new URL(file, import.meta.url).href, names)
})
