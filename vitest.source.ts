// Tests run against the TypeScript source of every workspace package, never a stale build. Package
// `exports` point at `dist/` (what users install), and the plugin hands Vitest `dist/setup.js` and
// `dist/global-setup.js`; this Vite plugin redirects every module that resolves into a package's `dist/`
// to the matching file under `src/`, so editing the source is enough for the next test run.
import { existsSync } from 'node:fs'
import type { Plugin } from 'vitest/config'

const DIST = /^(.*\/packages\/[^/]+)\/dist\/(.+)\.js$/

/** The source file behind a built module of a workspace package, or undefined. */
export function sourceOf(id: string): string | undefined {
  const match = DIST.exec(id.split('?')[0] ?? id)
  if (!match) return undefined
  const source = `${match[1]}/src/${match[2]}.ts`
  return existsSync(source) ? source : undefined
}

/**
 * Resolves `@faultline/*` (and any path into a workspace package's `dist/`) to its source.
 *
 * @example
 * export default defineProject({ plugins: [fromSource()], test: { name: 'core' } })
 */
export function fromSource(): Plugin {
  return {
    name: 'faultline:from-source',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const direct = sourceOf(source)
      if (direct) return direct
      if (!source.startsWith('@faultline/') && !(source.startsWith('.') && importer?.includes('/dist/'))) {
        return null
      }
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      return (resolved && sourceOf(resolved.id)) ?? resolved
    },
    // Anything that still reaches a build (a path this plugin could not map) is an error, not a silent
    // test of yesterday's code.
    load(id) {
      if (DIST.test(id.split('?')[0] ?? id)) {
        throw new Error(`${id} is a build output; tests must load the package's src/ (vitest.source.ts)`)
      }
      return null
    },
  }
}
