// The docs example tests hold the code a docs page shows, between `// #region <name>` and
// `// #endregion <name>` lines; this checks the page shows each region verbatim, so the page cannot drift
// from the code that runs.
import { readFileSync } from 'node:fs'
import { expect } from 'vitest'

/** The region's lines without their common indentation (tests sit inside describe, helpers at top level). */
export function region(source: string, name: string): string | undefined {
  const body = new RegExp(`// #region ${name}\\n([\\s\\S]*?)\\n\\s*// #endregion ${name}`).exec(source)?.[1]
  if (body === undefined) return undefined
  const lines = body.split('\n')
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0))
  return lines.map((line) => line.slice(indent)).join('\n')
}

/**
 * Asserts that the docs page (a path from the repository root) shows each named region of the test file
 * at `testFile` (its `import.meta.url`) verbatim.
 */
export function expectPageShowsRegions(page: string, testFile: string, names: readonly string[]): void {
  const text = readFileSync(new URL(`../../../../${page}`, import.meta.url), 'utf8')
  const source = readFileSync(new URL(testFile), 'utf8')
  for (const name of names) {
    const code = region(source, name)
    expect(code, `region ${name} in ${testFile}`).toBeDefined()
    expect(text, `${page} shows region ${name}`).toContain(code)
  }
}
