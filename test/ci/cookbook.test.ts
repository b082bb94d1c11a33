// The cookbook cannot drift from the examples: each page shows the tested code verbatim (see ./cookbook.ts),
// and the index lists every page.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { cookbookProblems, regionMarkers } from './cookbook.ts'

const repo = resolve(import.meta.dirname, '../..')
const dir = join(repo, 'docs/cookbook')
const pages = readdirSync(dir)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .sort()

describe('the cookbook', () => {
  test.each(pages)('docs/cookbook/%s shows the tested code verbatim', (page) => {
    const text = readFileSync(join(dir, page), 'utf8')
    expect(cookbookProblems(repo, `docs/cookbook/${page}`, text)).toEqual([])
    expect(text).toMatch(/^# Scenario \d+: /)
  })

  test('the index links every page, one per scenario, 1 to 15', () => {
    const index = readFileSync(join(dir, 'README.md'), 'utf8')
    for (const page of pages) expect(index, `docs/cookbook/README.md links ${page}`).toContain(`](${page})`)
    const numbers = pages.map((page) =>
      Number(/^# Scenario (\d+):/.exec(readFileSync(join(dir, page), 'utf8'))?.[1]),
    )
    expect(new Set(numbers)).toEqual(new Set(Array.from({ length: 15 }, (_, i) => i + 1)))
  })
})

describe('the cookbook check', () => {
  const region = (body: string) => `// #region demo\n${body}\n// #endregion demo\n`
  const file = 'test/ci/fixtures/cookbook/demo.ts'
  const page = (code: string) =>
    [
      '# Scenario 1: demo',
      '',
      'See [the test](../../examples/auth/src/login-load.test.ts).',
      '',
      `<!-- region ${file}#demo -->`,
      '```ts',
      code,
      '```',
      '',
      '```text',
      'expected 1 to be 2',
      '```',
    ].join('\n')

  test('passes a page that shows the region verbatim, after its declarations', () => {
    const source = readFileSync(join(repo, file), 'utf8')
    expect(source).toContain(region("export const answer = compute('life')"))
    const text = page("declare function compute(what: string): number\nexport const answer = compute('life')")
    expect(regionMarkers(text)).toEqual([{ line: 5, file, name: 'demo' }])
    expect(cookbookProblems(repo, 'demo.md', text)).toEqual([])
  })

  test('fails a page whose block drifted from the region, naming the line and the fix', () => {
    const text = page("export const answer = compute('everything')")
    expect(cookbookProblems(repo, 'demo.md', text)).toEqual([
      `demo.md:5: the block does not show region demo of ${file} verbatim: paste the region again`,
    ])
  })

  test('fails a page without regions, a test link or the failure message', () => {
    expect(cookbookProblems(repo, 'bare.md', '# Scenario 1: bare\n\n```ts\nconst x = 1\n```\n')).toEqual([
      'bare.md: no <!-- region <file>#<name> --> comment: show the tested code, not a copy',
      "bare.md: links no test file of examples/: link the scenario's test",
      "bare.md: shows no ```text block: paste the naive code's failure",
    ])
  })

  test('fails a comment naming a region the file does not have', () => {
    const text = page('x').replace('#demo', '#gone')
    expect(cookbookProblems(repo, 'demo.md', text)).toEqual([
      `demo.md:5: ${file} has no "// #region gone" ... "// #endregion gone"`,
    ])
  })
})
