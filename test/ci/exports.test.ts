// One vocabulary: no two packages export one name for different things (issue 10 found `postgres`,
// `redis`, `Fault`, `FaultOptions` and `RecoverOptions` each meaning two or three things). The entry
// files are read as text, since type-only exports do not exist at run time: every name in an
// `export { … }` list (after `as`, without `type`) and every exported declaration. A name re-exported
// from another package (`export { now } from '@faultline/core'`) is the same thing, not a collision.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '../..')
const packages = ['core', 'proxy', 'containers', 'http', 'vitest']

/** The names a module file exports, each with the specifier it re-exports from (undefined: its own). */
function exportedNames(source: string): Map<string, string | undefined> {
  const names = new Map<string, string | undefined>()
  const lists = /export\s+(?:type\s+)?\{([^}]*)\}(?:\s*from\s*'([^']+)')?/g
  for (const [, list = '', from] of source.matchAll(lists)) {
    for (const raw of list.split(',')) {
      const item = raw.replace(/\/\/.*$/gm, '').trim()
      if (!item) continue
      const name = item
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        ?.trim()
      if (name) names.set(name, from?.startsWith('.') ? undefined : from)
    }
  }
  const declarations =
    /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm
  for (const [, name] of source.matchAll(declarations)) if (name) names.set(name, undefined)
  return names
}

/** The source entry files of a package: its `exports` map, with dist/*.js read as src/*.ts. */
function entries(pkg: string): string[] {
  const dir = join(repo, 'packages', pkg)
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { import?: string }>
  }
  return Object.entries(manifest.exports)
    .filter(([key]) => key !== './package.json')
    .map(([, target]) => (typeof target === 'string' ? target : (target.import ?? '')))
    .filter((target) => target.endsWith('.js'))
    .map((target) => join(dir, target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')))
}

describe('package exports', () => {
  it('reads the names of export lists, renames and declarations', () => {
    const names = exportedNames(
      "export { a, type B, c as d } from './x.js'\nexport type { E } from './y.js'\nexport { now } from '@faultline/core'\nexport class F {}\nexport const g = 1\n",
    )
    expect([...names.keys()].sort()).toEqual(['B', 'E', 'F', 'a', 'd', 'g', 'now'])
    expect(names.get('now')).toBe('@faultline/core')
  })

  it('no two packages export one name for different things', () => {
    const owners = new Map<string, Set<string>>()
    for (const pkg of packages) {
      for (const file of entries(pkg)) {
        for (const [name, from] of exportedNames(readFileSync(file, 'utf8'))) {
          if (from?.startsWith('@faultline/') && from !== `@faultline/${pkg}`) continue // the other package's own
          if (from !== undefined && !from.startsWith('@faultline/')) continue // e.g. vitest's own `expect`
          const set = owners.get(name) ?? new Set<string>()
          set.add(pkg)
          owners.set(name, set)
        }
      }
    }
    const collisions = [...owners]
      .filter(([, set]) => set.size > 1)
      .map(([name, set]) => `${name}: ${[...set].join(', ')}`)
    expect(collisions).toEqual([])
  })
})
