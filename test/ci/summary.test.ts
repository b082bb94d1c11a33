// CI's closing line (`N passed, N failed`, from scripts/summary-reporter.ts and scripts/summary.ts) must
// count an error Vitest caught outside every test as a failure, and exit non-zero.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test } from 'vitest'

const repo = resolve(import.meta.dirname, '../..')

test('a run with an unhandled error is counted as failed, and exits non-zero', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-summary-'))
  try {
    const file = join(dir, 'summary.json')
    const env = { ...process.env, FAULTLINE_SUMMARY_FILE: file, CI: 'true' }
    const vitest = spawnSync(
      process.execPath,
      [
        join(repo, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        join(repo, 'test/ci/fixtures/unhandled/vitest.config.ts'),
        '--reporter=dot',
        `--reporter=${join(repo, 'scripts/summary-reporter.ts')}`,
      ],
      { cwd: repo, env, encoding: 'utf8', timeout: 60_000 },
    )
    expect(vitest.status, vitest.stderr).not.toBe(0)
    const summary = spawnSync(process.execPath, [join(repo, 'scripts/summary.ts'), file], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 30_000,
    })
    const lines = summary.stdout.trim().split('\n')
    expect(lines.at(-1)).toBe('1 passed, 1 failed')
    expect(summary.stdout).toContain('counted as failed: 1 unhandled errors')
    expect(summary.status).toBe(1)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 90_000)
