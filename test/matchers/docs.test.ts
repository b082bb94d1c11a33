// docs/matchers.md shows the example matchers verbatim: each `<!-- include: path -->` block is the file at
// path, and each `<!-- message: path -->` block is the failure message that file asserts, line by line.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const page = readFileSync(new URL('docs/matchers.md', root), 'utf8')

function blocks(kind: 'include' | 'message'): { path: string; body: string }[] {
  const pattern = new RegExp(`<!-- ${kind}: (\\S+) -->\\n\`\`\`(?:ts|text)\\n([\\s\\S]*?)\`\`\`\\n`, 'g')
  return [...page.matchAll(pattern)].map((m) => ({ path: m[1]!, body: m[2]! }))
}

describe('docs/matchers.md', () => {
  it('shows each example file verbatim', () => {
    const included = blocks('include')
    expect(included.map((b) => b.path)).toEqual([
      'test/matchers/no-retry-storm.test.ts',
      'test/matchers/redis-ttl.test.ts',
    ])
    for (const { path, body } of included) {
      expect(body, path).toBe(readFileSync(new URL(path, root), 'utf8'))
    }
  })

  it('shows the message each example asserts on broken code', () => {
    const messages = blocks('message')
    expect(messages).toHaveLength(2)
    for (const { path, body } of messages) {
      const source = readFileSync(new URL(path, root), 'utf8')
      const asserted = body
        .trimEnd()
        .split('\n')
        .map((line) => `        '${line}',`)
        .join('\n')
      expect(source, path).toContain(asserted)
    }
  })
})
