import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { containersOf, runVitest } from './nested-vitest.js'

const project = fileURLToPath(new URL('./fixtures/interrupt', import.meta.url))

// Ctrl-C sends SIGINT; CI runners and `timeout` send SIGTERM; a closed terminal sends SIGHUP. Vitest exits
// on each without running global teardown, so the plugin removes the run's containers itself. The watchdog is off here: this is the
// clean-up of the signal alone.
describe('an interrupted run removes its containers', () => {
  // Vitest handles SIGINT and SIGTERM (exit code 130 / 143); SIGHUP it leaves to Node's default, which ends
  // the process by the signal once the containers are removed.
  for (const [signal, code, expected] of [
    ['SIGINT', 130, 'exit code 130'],
    ['SIGTERM', 143, 'exit code 143'],
    ['SIGHUP', null, 'ended by SIGHUP'],
  ] as const) {
    test(`${signal} mid-test: no container of the run is left, and the run ends as it would have (${expected})`, async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'faultline-interrupt-'))
      const ready = join(scratch, 'ready')
      let seen: string[] = []
      try {
        await runVitest(project, {
          timeoutMs: 240_000,
          env: { FAULTLINE_WATCHDOG: 'off', FAULTLINE_FIXTURE_READY: ready },
          during: async (child) => {
            // Bounded wait for the test to be running (its container up), or for the run to end early.
            for (let i = 0; i < 1_800 && !existsSync(ready) && child.exitCode === null; i++) await sleep(100)
            expect(existsSync(ready)).toBe(true)
            seen = (await containersOf(child.pid!)).map((c) => c.id)
            expect(seen).toHaveLength(1)
            child.kill(signal)
          },
          inspect: async (run) => {
            expect({ code: run.code, signal: run.signal }, run.output).toEqual({
              code,
              signal: code === null ? signal : null,
            })
            expect(await containersOf(run.pid)).toEqual([])
          },
        })
      } finally {
        rmSync(scratch, { recursive: true, force: true })
      }
    }, 300_000)
  }
})
