// Registers Faultline's matchers with Vitest's expect, charts the load runs no matcher judged, and heals
// what a test left on the shared services.
// The plugin adds this file to `setupFiles`; users without the plugin add `@faultline/vitest/setup` to their
// own setupFiles.
import { now } from '@faultline/core'
import { afterAll, afterEach, expect } from 'vitest'
import { faultlineMatchers } from './matchers/index.js'
import { chartAfterTest, chartUnjudgedRuns } from './report/unjudged.js'
import { restoreServices } from './services.js'

expect.extend(faultlineMatchers)
// A test's load runs that no matcher judged get their charts too, after the test; so do the charts asked
// for while a run was measuring (drawing would have shown in its latencies).
chartUnjudgedRuns()
afterEach(({ task }) => {
  chartAfterTest(task)
})

// A test that fails mid-pause (or forgets to heal) must not leave a frozen or stopped service to the tests
// after it: after each test, the faults it started on the shared services are healed — before the fixtures
// close their clients, which would wait forever on a frozen server. Faults a file's beforeAll started last
// until its afterAll; what is still active then is healed too.
afterEach(async ({ task }) => {
  await restoreServices({ since: task.result?.startTime ?? now() })
})
afterAll(async () => {
  await restoreServices()
})
