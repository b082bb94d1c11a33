// Docs that cannot rot: every ```ts / ```typescript block of README.md, docs/**/*.md and packages/*/README.md
// is written out as its own module under a generated directory (git-ignored) and typechecked by tsc in
// strict mode against the packages' source (the root tsconfig.json, whose `paths` map `@faultline/*` to
// `src/`). A failure names the page and the line in the page, not the generated file. Relative links
// (outside code) must point at files that exist.
//
//   node scripts/docs-check.ts                       # the repository's pages
//   node scripts/docs-check.ts a.md b.md             # these pages only
//   node scripts/docs-check.ts --out .cache/x a.md   # another generated directory (inside the repo, so
//                                                    # node_modules and @types resolve)
//
// Exits 1 when a block fails. Errors tsc finds in the packages' own source are printed as a count (the
// typecheck step reports them) and do not fail this check.
//
// The blocks share one program (one tsc run: seconds, not minutes), each as its own module
// (`moduleDetection: force`): a `declare const` in one block is invisible to the next. A block that
// augments a module or the global scope (a matcher's `declare module 'vitest'`) gets a program of its own,
// so that no other block passes on its declarations.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const repo = resolve(import.meta.dirname, '..')

/** One fenced TypeScript block of a page: its lines and the page line of its opening fence. */
export interface DocBlock {
  /** The page, relative to the repository. */
  page: string
  /** 1-based line of the opening fence in the page; code line n is page line `fence + n`. */
  fence: number
  /** Columns the block is indented by in the page (a block in a list), removed from its code. */
  indent: number
  code: string
}

const OPEN = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\b.*$/
const ANY_OPEN = /^(\s*)(`{3,}|~{3,})/

/** Every ```ts / ```typescript block of a markdown text, with the line of its fence. */
export function extractBlocks(page: string, text: string): DocBlock[] {
  const lines = text.split(/\r?\n/)
  const blocks: DocBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const open = ANY_OPEN.exec(line)
    if (!open) continue
    const indent = open[1]?.length ?? 0
    const fence = open[2] ?? '```'
    const isTs = OPEN.test(line)
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const current = lines[j] ?? ''
      const trimmed = current.trimStart()
      if (trimmed.startsWith(fence[0]!.repeat(fence.length)) && trimmed.replace(/[`~]/g, '').trim() === '')
        break
      body.push(current.slice(Math.min(indent, current.length - current.trimStart().length)))
    }
    if (isTs) blocks.push({ page, fence: i + 1, indent, code: `${body.join('\n')}\n` })
    i = j // skip the block, whatever its language: a fence inside it is text
  }
  return blocks
}

/** Relative links of a page (outside code) whose file does not exist: `page:line:col` and the target. */
export function brokenLinks(page: string, text: string): { where: string; target: string }[] {
  const broken: { where: string; target: string }[] = []
  let fence: string | undefined
  text.split(/\r?\n/).forEach((line, i) => {
    const open = ANY_OPEN.exec(line)
    if (open) {
      const mark = open[2] ?? '```'
      if (fence === undefined) fence = mark
      else if (mark.startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') fence = undefined
      return
    }
    if (fence !== undefined) return
    const prose = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length)) // inline code is text
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!
      if (/^([a-z]+:|#)/i.test(target)) continue // a URL or an anchor on this page
      const file = resolve(repo, dirname(page), decodeURI(target.split('#')[0]!))
      if (!existsSync(file)) broken.push({ where: `${page}:${i + 1}:${(match.index ?? 0) + 3}`, target })
    }
  })
  return broken
}

/** The repository's pages: README.md, docs/*.md, docs/cookbook/*.md, packages/*\/README.md. */
export function defaultPages(): string[] {
  const pages = ['README.md']
  for (const f of readdirSync(join(repo, 'docs')).sort()) if (f.endsWith('.md')) pages.push(`docs/${f}`)
  for (const f of readdirSync(join(repo, 'docs/cookbook')).sort())
    if (f.endsWith('.md')) pages.push(`docs/cookbook/${f}`)
  for (const p of readdirSync(join(repo, 'packages')).sort()) {
    if (existsSync(join(repo, 'packages', p, 'README.md'))) pages.push(`packages/${p}/README.md`)
  }
  return pages
}

/** Runs tsc on a project; resolves with its output and exit status. */
function tsc(tsconfig: string): Promise<{ status: number | null; text: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', tsconfig, '--pretty', 'false'],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.on('error', fail)
    child.on('close', (status) => done({ status, text }))
  })
}

/** Runs the jobs, at most `n` at a time (2 cores), results in order. */
async function limit<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = []
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++
      results[i] = await jobs[i]!()
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker))
  return results
}

export interface DocFailure {
  /** `page:line` of the failing line in the page. */
  where: string
  /** The block's fence line in the page. */
  fence: number
  page: string
  message: string
}

export interface DocCheckResult {
  blocks: number
  pages: number
  failures: DocFailure[]
  /** Errors tsc reported in files that are not blocks (the packages' source). */
  otherErrors: string[]
  /** Relative links to files that do not exist. */
  links: { where: string; target: string }[]
  ms: number
}

/** Writes the blocks of `pages` under `out` and typechecks them; never throws on a failing block. */
export async function checkDocs(pages: string[], out: string): Promise<DocCheckResult> {
  const started = performance.now()
  const outDir = resolve(repo, out)
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const byFile = new Map<string, DocBlock>()
  const links: { where: string; target: string }[] = []
  for (const page of pages) {
    const path = resolve(repo, page)
    const rel = relative(repo, path)
    const text = readFileSync(path, 'utf8')
    links.push(...brokenLinks(rel, text))
    for (const block of extractBlocks(rel, text)) {
      const file = join(outDir, `${rel.replaceAll('/', '__')}.L${block.fence}.ts`)
      writeFileSync(file, block.code)
      byFile.set(file, block)
    }
  }
  // One program for the blocks that only use the packages, and one for each block that augments a module
  // or the global scope (a matcher's `declare module 'vitest'`), so that no block passes on a declaration
  // only another block made.
  const files = [...byFile.keys()]
  const augments = (file: string) => /^\s*declare\s+(module\s|global\s*\{)/m.test(byFile.get(file)!.code)
  const programs = [files.filter((f) => !augments(f)), ...files.filter(augments).map((f) => [f])].filter(
    (p) => p.length > 0,
  )
  const outputs = await limit(
    programs.map((program, i) => () => {
      const tsconfig = join(outDir, `tsconfig.${i}.json`)
      writeFileSync(
        tsconfig,
        `${JSON.stringify(
          {
            extends: relative(outDir, join(repo, 'tsconfig.json')),
            compilerOptions: {
              // strict, noUncheckedIndexedAccess and the rest come from tsconfig.base.json; a snippet may
              // declare or import something it only names in a comment.
              noUnusedLocals: false,
              noUnusedParameters: false,
              moduleDetection: 'force',
              noEmit: true,
              incremental: false,
            },
            include: [],
            files: program.map((f) => relative(outDir, f)),
          },
          null,
          2,
        )}\n`,
      )
      return tsc(tsconfig)
    }),
    2,
  )
  const failures: DocFailure[] = []
  const otherErrors = new Set<string>()
  for (const output of outputs) {
    // `file(line,col): error TSnnnn: message`, continuation lines indented below it.
    let last: DocFailure | undefined
    for (const line of output.text.split('\n')) {
      const match = /^(.+?)\((\d+),(\d+)\): (error TS\d+: .*)$/.exec(line)
      if (!match) {
        if (last && line.startsWith(' ')) last.message += `\n${line}`
        else if (line.trim() !== '' && !last) otherErrors.add(line)
        continue
      }
      const block = byFile.get(resolve(repo, match[1]!))
      if (!block) {
        otherErrors.add(line)
        last = undefined
        continue
      }
      last = {
        where: `${block.page}:${block.fence + Number(match[2])}:${Number(match[3]) + block.indent}`,
        fence: block.fence,
        page: block.page,
        message: match[4]!,
      }
      failures.push(last)
    }
    if (output.status !== 0 && !output.text.includes('error TS')) {
      otherErrors.add(`tsc exited ${output.status}: ${output.text.trim() || 'without a message'}`)
    }
  }
  return {
    blocks: byFile.size,
    pages: pages.length,
    failures,
    otherErrors: [...otherErrors],
    links,
    ms: performance.now() - started,
  }
}

async function main(argv: string[]): Promise<number> {
  let out = '.cache/docs-check'
  const pages: string[] = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i] ?? out
    else pages.push(argv[i]!)
  }
  const result = await checkDocs(pages.length > 0 ? pages : defaultPages(), out)
  const failures = [...result.failures].sort(
    (a, b) => a.page.localeCompare(b.page) || a.fence - b.fence || lineOf(a) - lineOf(b),
  )
  for (const f of failures) console.log(`${f.where} (block at line ${f.fence}): ${f.message}`)
  const failing = new Map<string, Set<number>>()
  for (const f of failures) failing.set(f.page, (failing.get(f.page) ?? new Set()).add(f.fence))
  for (const [page, fences] of failing) {
    console.log(`docs check: ${page}: ${fences.size} failing blocks, at lines ${[...fences].join(', ')}`)
  }
  for (const link of result.links) console.log(`${link.where}: broken link, no file at ${link.target}`)
  const outside = result.otherErrors.filter((l) => / error TS/.test(l))
  if (outside.length > 0) {
    console.log(
      `docs check: ${outside.length} errors outside the blocks (the packages' source; ` +
        '`npm run typecheck` reports them), not counted here',
    )
  }
  const failingBlocks = [...failing.values()].reduce((n, s) => n + s.size, 0)
  console.log(
    `docs check: ${result.blocks} TypeScript blocks in ${result.pages} pages, ${failingBlocks} failing ` +
      `(${failures.length} errors), ${result.links.length} broken links, ${(result.ms / 1000).toFixed(1)} s; ` +
      `generated in ${out}/`,
  )
  return failingBlocks === 0 && result.links.length === 0 ? 0 : 1
}

function lineOf(failure: DocFailure): number {
  return Number(failure.where.split(':')[1])
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = await main(process.argv.slice(2))
}
