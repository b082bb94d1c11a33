import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// docs/proxy.md shows code that runs: every `#region` of the integration tests below must appear in a
// ```ts block of the page verbatim (but for indentation: a page's block wraps it in a complete module, with
// its imports and what the reader brings declared), so an example cannot rot without this test failing.
// scripts/docs-check.ts typechecks those modules.

const root = new URL('../../../', import.meta.url)
const sources = ['test/proxy/docs.test.ts', 'test/proxy/postgres.test.ts', 'test/proxy/amqp.test.ts']

// The lines of `code` without their indentation, blank lines kept.
function unindented(code: string): string {
  return code
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
}

// The ```ts blocks of a markdown page.
function tsBlocks(page: string): string[] {
  return [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!)
}

function regions(text: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const match of text.matchAll(/^[ \t]*\/\/ #region (\w+)\n([\s\S]*?)^[ \t]*\/\/ #endregion/gm)) {
    const lines = match[2]!.replace(/\n$/, '').split('\n')
    const indent = Math.min(
      ...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length),
    )
    found.set(match[1]!, lines.map((l) => l.slice(indent)).join('\n'))
  }
  return found
}

describe('docs/proxy.md', () => {
  const page = readFileSync(new URL('docs/proxy.md', root), 'utf8')
  const all = new Map(sources.flatMap((file) => [...regions(readFileSync(new URL(file, root), 'utf8'))]))

  it('has the examples, including cut at COMMIT', () => {
    expect([...all.keys()]).toEqual(
      expect.arrayContaining(['quickstart', 'cutAtCommit', 'redisTrigger', 'ackTrigger', 'pool']),
    )
  })

  it.each([...all])('shows the %s example verbatim', (_, code) => {
    const blocks = tsBlocks(page).map(unindented)
    expect(blocks.some((block) => `\n${block}`.includes(`\n${unindented(code)}\n`))).toBe(true)
  })

  it('documents every fault', () => {
    for (const fault of [
      'latency',
      'bandwidth',
      'blackHole',
      'reset',
      'refuse',
      'slowClose',
      'slicer',
      'cutAfter',
      'trigger',
    ]) {
      expect(page).toContain(`| \`${fault}\``)
    }
  })
})
