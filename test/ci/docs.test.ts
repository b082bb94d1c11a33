// Docs that cannot rot: every ```ts block of README.md, docs/*.md and packages/*/README.md typechecks, as
// its own module, against the packages' source (scripts/docs-check.ts). The fixture page proves the
// check fails on a broken block and names the page and line of the error.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { extractBlocks } from '../../scripts/docs-check.ts'

const repo = resolve(import.meta.dirname, '../..')
// Generated pages go under the repository (node_modules and @types resolve from there), git-ignored.
mkdirSync(join(repo, '.cache'), { recursive: true })

function docsCheck(...args: string[]) {
  const run = spawnSync(process.execPath, [join(repo, 'scripts/docs-check.ts'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

describe('docs check', () => {
  test('every TypeScript block of README.md, docs/ and the package READMEs typechecks', () => {
    const out = mkdtempSync(join(repo, '.cache/docs-check-'))
    try {
      const { status, output } = docsCheck('--out', relative(repo, out))
      expect(status, output).toBe(0)
      expect(output).toMatch(/docs check: \d+ TypeScript blocks in \d+ pages, 0 failing/)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 150_000)

  test('fails on a broken block, naming the page and the line of each error', () => {
    // The generated directory must sit inside the repository (node_modules, @types); a fresh one per run.
    const out = mkdtempSync(join(repo, '.cache/docs-check-fixture-'))
    try {
      const { status, output } = docsCheck('--out', relative(repo, out), 'test/ci/fixtures/docs/pages.md')
      expect(status, output).toBe(1)
      expect(output).toContain(
        "test/ci/fixtures/docs/pages.md:28:34 (block at line 24): error TS2304: Cannot find name 'orderService'.",
      )
      expect(output).toContain(
        "test/ci/fixtures/docs/pages.md:36:16 (block at line 33): error TS2322: Type 'number' is not assignable to type 'string'.",
      )
      expect(output).toContain(
        'docs check: test/ci/fixtures/docs/pages.md: 2 failing blocks, at lines 24, 33',
      )
      expect(output).toContain('test/ci/fixtures/docs/pages.md:40:28: broken link, no file at missing.md')
      expect(output).not.toContain('nowhere.md')
      expect(output).toContain('3 TypeScript blocks in 1 pages, 2 failing (2 errors), 1 broken links')
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 150_000)

  test('a block that declares a matcher gets a program of its own: another block cannot use its declaration', () => {
    const out = mkdtempSync(join(repo, '.cache/docs-check-fixture-'))
    try {
      const { status, output } = docsCheck('--out', relative(repo, out), 'test/ci/fixtures/docs/augment.md')
      expect(status, output).toBe(1)
      expect(output).toContain(
        "test/ci/fixtures/docs/augment.md:23:11 (block at line 20): error TS2339: Property 'toBeFrobbed' does not exist",
      )
      expect(output).toContain('2 TypeScript blocks in 1 pages, 1 failing (1 errors)')
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 150_000)

  test('extracts ts and typescript blocks with their fence line, indented ones dedented, text blocks skipped', () => {
    const page = [
      '# t',
      '```ts',
      'a()',
      '```',
      '```text',
      '```ts',
      'no',
      '```',
      '  ~~~typescript',
      '  b()',
      '  ~~~',
    ]
    expect(extractBlocks('p.md', page.join('\n'))).toEqual([
      { page: 'p.md', fence: 2, indent: 0, code: 'a()\n' },
      { page: 'p.md', fence: 9, indent: 2, code: 'b()\n' },
    ])
  })
})
