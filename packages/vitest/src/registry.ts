import type { ServiceDefinition } from '@faultline/containers'

/** The options the plugin's global setup needs, per Vitest project. */
export interface RegisteredOptions {
  services: Record<string, ServiceDefinition>
}

// The plugin runs in the config's module graph and the global setup in Vitest's own; both live in the
// main process, so a well-known global symbol connects them even if the package is loaded twice.
const key = Symbol.for('faultline.vitest.registry')
type Registry = Map<string, RegisteredOptions>

function registry(): Registry {
  const holder = globalThis as { [key]?: Registry }
  holder[key] ??= new Map()
  return holder[key]
}

export function register(project: string, options: RegisteredOptions): void {
  registry().set(project, options)
}

export function lookup(project: string): RegisteredOptions | undefined {
  return registry().get(project)
}
