import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { containersOf, runVitest } from './nested-vitest.js'

const project = fileURLToPath(new URL('./fixtures/generic', import.meta.url))

// A run of its own: MariaDB and memcached declared in the plugin's `services` through container(), a
// per-test isolation fixture written in a few lines, and a test that fails with both services broken.
describe('generic services in the plugin', () => {
  test('start with the run, isolate per test, heal after a failing test, and are removed at the end', async () => {
    await runVitest(project, {
      timeoutMs: 240_000,
      inspect: async (run) => {
        expect(run.tests, run.output).toBeDefined()
        const byTitle = new Map(run.tests!.map((t) => [t.title, t]))
        for (const title of [
          'writes into a database of its own',
          'never sees another test’s tables',
          'the next test gets working services',
        ]) {
          const result = byTitle.get(title)
          expect(result?.status, `${title}: ${result?.failureMessages.join('\n')}`).toBe('passed')
        }
        const failed = byTitle.get('fails mid-pause')
        expect(failed?.status).toBe('failed')
        expect(failed?.failureMessages.join('\n')).toMatch(/failed on purpose mid-pause/)
        expect(failed?.failureMessages).toHaveLength(1)
        expect(run.code).toBe(1) // the failing test fails the run
        expect(await containersOf(run.pid)).toEqual([]) // the run removed its containers
      },
    })
  }, 300_000)
})
