import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// docs/services.md shows the generic services' code that runs: every `#region` of the files below (the
// definitions the integration tests start, the fixture the nested plugin run uses) must appear in a ```ts
// block of the page verbatim, but for indentation. scripts/docs-check.ts typechecks the page's blocks.

const root = new URL('../../', import.meta.url)
const sources = ['test/services/generic-definitions.ts', 'test/services/fixtures/generic/generic.fixture.ts']

const unindented = (code: string) =>
  code
    .split('\n')
    .map((line) => line.trim())
    .join('\n')

function regions(text: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const match of text.matchAll(/^[ \t]*\/\/ #region (\w+)\n([\s\S]*?)^[ \t]*\/\/ #endregion/gm)) {
    found.set(match[1]!, match[2]!.replace(/\n$/, ''))
  }
  return found
}

describe('docs/services.md: any other service', () => {
  const page = readFileSync(new URL('docs/services.md', root), 'utf8')
  const blocks = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => unindented(match[1]!))
  const all = new Map(sources.flatMap((file) => [...regions(readFileSync(new URL(file, root), 'utf8'))]))

  it('has the MariaDB and memcached definitions and the isolation fixture', () => {
    expect([...all.keys()].sort()).toEqual(['fixture', 'mariadb', 'memcached'])
  })

  it.each([...all])('shows the %s example verbatim', (_, code) => {
    expect(blocks.some((block) => `\n${block}`.includes(`\n${unindented(code)}\n`))).toBe(true)
  })
})
