// Tests run against the packages' source, not their last build: `@faultline/*` resolves to the same
// module instances as a relative import of `src/`. (With `dist/`, a change to core's `errorRate` left
// every matcher test green.) The plugin's setup and global-setup files are redirected the same way, and
// vitest.source.ts refuses to load any file of a `dist/`, so a missed path fails every test loudly.
import * as containers from '@faultline/containers'
import * as core from '@faultline/core'
import * as http from '@faultline/http'
import * as proxy from '@faultline/proxy'
import * as vitestPackage from '@faultline/vitest'
import * as matchers from '@faultline/vitest/matchers'
import { expect, test } from 'vitest'
import * as containersSource from '../../packages/containers/src/index.ts'
import * as coreSource from '../../packages/core/src/index.ts'
import * as httpSource from '../../packages/http/src/index.ts'
import * as proxySource from '../../packages/proxy/src/index.ts'
import * as vitestSource from '../../packages/vitest/src/index.ts'
import * as matchersSource from '../../packages/vitest/src/matchers/index.ts'

test('every @faultline package resolves to its src/', () => {
  expect(core).toBe(coreSource)
  expect(proxy).toBe(proxySource)
  expect(containers).toBe(containersSource)
  expect(http).toBe(httpSource)
  expect(vitestPackage).toBe(vitestSource)
  expect(matchers).toBe(matchersSource)
})
