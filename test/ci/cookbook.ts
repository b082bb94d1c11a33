// The cookbook's pages (docs/cookbook/*.md) show the examples' tested code: a ```ts block that follows a
// `<!-- region <file>#<name> -->` comment must show that region of the file (between `// #region <name>`
// and `// #endregion <name>`) verbatim, after any import and `declare` lines it needs to typecheck. This
// module finds what a page gets wrong; test/ci/cookbook.test.ts runs it on every page.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { region } from '../../packages/vitest/src/matchers/docs-regions.test-support.ts'
import { extractBlocks } from '../../scripts/docs-check.ts'

const MARKER = /^<!-- region (\S+)#(\S+) -->$/

/** One `<!-- region file#name -->` comment of a page. */
export interface RegionMarker {
  /** 1-based line of the comment in the page. */
  line: number
  /** The file, relative to the repository. */
  file: string
  name: string
}

/** The region comments of a page, in order. */
export function regionMarkers(text: string): RegionMarker[] {
  const markers: RegionMarker[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    const match = MARKER.exec(line.trim())
    if (match) markers.push({ line: i + 1, file: match[1]!, name: match[2]! })
  })
  return markers
}

/**
 * What is wrong with a cookbook page (`page` relative to `repo`, for the messages): each problem names the
 * page's line and the fix. Empty when every region comment is followed (after other region comments) by a
 * TypeScript block showing its region verbatim, the page has at least one, links its test file, and shows
 * the naive code's failure in a ```text block.
 */
export function cookbookProblems(repo: string, page: string, text: string): string[] {
  const problems: string[] = []
  const blocks = extractBlocks(page, text)
  const lines = text.split(/\r?\n/)
  const markers = regionMarkers(text)
  if (markers.length === 0)
    problems.push(`${page}: no <!-- region <file>#<name> --> comment: show the tested code, not a copy`)
  for (const marker of markers) {
    const where = `${page}:${marker.line}`
    // The block this comment is for: the next line that is not another region comment opens it.
    let next = marker.line
    while (MARKER.test(lines[next]?.trim() ?? '')) next++
    const block = blocks.find((b) => b.fence === next + 1)
    if (block === undefined) {
      problems.push(`${where}: region ${marker.file}#${marker.name} is not followed by a \`\`\`ts block`)
      continue
    }
    const path = resolve(repo, marker.file)
    if (!existsSync(path)) {
      problems.push(`${where}: ${marker.file} does not exist`)
      continue
    }
    const code = region(readFileSync(path, 'utf8'), marker.name)
    if (code === undefined) {
      problems.push(
        `${where}: ${marker.file} has no "// #region ${marker.name}" ... "// #endregion ${marker.name}"`,
      )
      continue
    }
    if (!block.code.includes(code))
      problems.push(
        `${where}: the block does not show region ${marker.name} of ${marker.file} verbatim: paste the region again`,
      )
  }
  if (!/\]\([^)]*examples\/[^)]*\.test\.ts\)/.test(text))
    problems.push(`${page}: links no test file of examples/: link the scenario's test`)
  if (!/^```text$/m.test(text))
    problems.push(`${page}: shows no \`\`\`text block: paste the naive code's failure`)
  return problems
}
