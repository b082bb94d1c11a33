import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// docs/proxy.md shows code that runs: every `#region` of the integration tests below must appear on the
// page verbatim (dedented), so an example cannot rot without this test failing.

const root = new URL('../../../', import.meta.url)
const sources = ['test/proxy/docs.test.ts', 'test/proxy/postgres.test.ts', 'test/proxy/amqp.test.ts']

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
      expect.arrayContaining(['quickstart', 'cutAtCommit', 'redisTrigger', 'ackTrigger']),
    )
  })

  it.each([...all])('shows the %s example verbatim', (_, code) => {
    expect(page).toContain(`\`\`\`ts\n${code}\n\`\`\``)
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
