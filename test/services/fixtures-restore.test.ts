import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { containersOf, runVitest } from './nested-vitest.js'

const project = fileURLToPath(new URL('./fixtures/mid-fault', import.meta.url))

// A run of its own (services of its own), so that freezing its PostgreSQL disturbs no other test here.
describe('a test that fails mid-fault on a shared service', () => {
  test('does not poison the tests after it (a pause, a stop, a disconnect), and its teardown does not hang on the frozen server', async () => {
    await runVitest(project, {
      timeoutMs: 240_000,
      inspect: async (run) => {
        expect(run.tests, run.output).toBeDefined()
        const [failed, next] = run.tests!
        expect(failed?.title).toBe('fails mid-fault')
        expect(failed?.status).toBe('failed')
        // Its only error is its own: no teardown timeout, no hook error after it.
        expect(failed?.failureMessages.join('\n')).toMatch(/failed on purpose mid-fault/)
        expect(failed?.failureMessages.join('\n')).not.toMatch(/timed out|Timeout/i)
        expect(failed?.failureMessages).toHaveLength(1)
        expect(next?.title).toBe('the next test gets working services')
        expect(next?.status, next?.failureMessages.join('\n')).toBe('passed')

        const [, , unseen, last] = run.tests!
        expect(unseen?.status).toBe('failed')
        expect(unseen?.failureMessages.join('\n')).toMatch(
          /service 'pg' did not answer while closing the test's PostgreSQL client within 5000 ms/,
        )
        expect(last?.status, last?.failureMessages.join('\n')).toBe('passed')

        const [, , , , cut, afterCut] = run.tests!
        expect(cut?.title).toBe('fails mid-disconnect')
        expect(cut?.status).toBe('failed')
        expect(cut?.failureMessages.join('\n')).toMatch(/failed on purpose mid-disconnect/)
        expect(cut?.failureMessages, cut?.failureMessages.join('\n')).toHaveLength(1)
        expect(afterCut?.title).toBe('after a disconnect, the next test gets working services')
        expect(afterCut?.status, afterCut?.failureMessages.join('\n')).toBe('passed')
        expect(run.code).toBe(1) // the failing tests fail the run
        expect(await containersOf(run.pid)).toEqual([]) // the run removed its containers
      },
    })
  }, 300_000)
})
