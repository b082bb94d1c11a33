import {
  type AnyService,
  type PostgresService,
  type RabbitMQService,
  type RedisService,
  type ServiceKind,
  serviceFromInfo,
} from '@faultline/containers'
import { FaultlineError, now } from '@faultline/core'
import { inject } from 'vitest'
import './provided.js'

type ByKind = { postgres: PostgresService; redis: RedisService; rabbitmq: RabbitMQService }
const KIND_NAMES: Record<ServiceKind, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  rabbitmq: 'RabbitMQ',
  container: 'a generic container',
}

// Every Services of this worker that is not closed, so that the setup file can heal what a test left
// (a well-known symbol: the setup file and the tests may load this package through different paths).
const key = Symbol.for('faultline.vitest.live-services')

function live(): Set<Services> {
  const holder = globalThis as { [key]?: Set<Services> }
  holder[key] ??= new Set()
  return holder[key]
}

/** The services the plugin started, as handles in this worker. */
export class Services {
  readonly #handles = new Map<string, AnyService>()

  /** @internal */
  constructor(handles: Iterable<AnyService>) {
    for (const handle of handles) this.#handles.set(handle.name, handle)
    live().add(this)
  }

  /** The declared names. */
  get names(): string[] {
    return [...this.#handles.keys()]
  }

  /** The service declared under `name`; throws, naming the declared ones, when there is none. */
  get(name: string): AnyService {
    const handle = this.#handles.get(name)
    if (handle) return handle
    const declared =
      this.names.length > 0 ? `declared services: ${this.names.join(', ')}` : 'no service is declared'
    throw new FaultlineError(
      'UNKNOWN_SERVICE',
      `unknown service '${name}' (${declared}). Fix: declare it in vitest.config.ts, e.g. faultline({ services: { ${name}: postgresContainer() } }).`,
    )
  }

  /** The PostgreSQL service `name` (or the only one declared). */
  postgres(name?: string): PostgresService {
    return this.#ofKind('postgres', name)
  }
  /** The Redis service `name` (or the only one declared). */
  redis(name?: string): RedisService {
    return this.#ofKind('redis', name)
  }
  /** The RabbitMQ service `name` (or the only one declared). */
  rabbitmq(name?: string): RabbitMQService {
    return this.#ofKind('rabbitmq', name)
  }

  #ofKind<K extends keyof ByKind>(kind: K, name?: string): ByKind[K] {
    if (name !== undefined) {
      const handle = this.get(name)
      if (handle.info.kind !== kind) {
        throw new FaultlineError(
          'WRONG_SERVICE_KIND',
          `service '${name}' is ${KIND_NAMES[handle.info.kind]}, not ${KIND_NAMES[kind]}`,
        )
      }
      return handle as ByKind[K]
    }
    const matching = [...this.#handles.values()].filter((h) => h.info.kind === kind)
    if (matching.length === 1) return matching[0] as ByKind[K]
    throw new FaultlineError(
      matching.length === 0 ? 'UNKNOWN_SERVICE' : 'AMBIGUOUS_SERVICE',
      matching.length === 0
        ? `no ${KIND_NAMES[kind]} service is declared. Fix: add one in vitest.config.ts, e.g. faultline({ services: { db: ${kind}Container() } }).`
        : `${matching.length} ${KIND_NAMES[kind]} services are declared (${matching.map((h) => h.name).join(', ')}); ` +
            `name the one you want: services.${kind}('${matching[0]?.name}').`,
    )
  }

  /**
   * Heals the faults started through these handles that are still active — those started at or after
   * `since` (epoch ms by the system clock, `Date.now()`, as Vitest stamps a test's start) when given — unpausing or starting each container and waiting until it answers.
   * Runs after every test (see `restoreServices`); throws what could not be healed.
   */
  async restore(options: { since?: number } = {}): Promise<void> {
    // `since` is Vitest's task start (Date.now()); faults are stamped with core's now(), which follows the
    // monotonic clock and may have drifted from the system clock: compare on one clock.
    const since = options.since === undefined ? undefined : options.since + (now() - Date.now())
    const settled = await Promise.allSettled(
      [...this.#handles.values()].map(async (handle) => {
        const faults = handle.faults.filter((f) => since === undefined || f.startedAt >= since)
        for (const fault of faults.reverse()) await fault.heal()
      }),
    )
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []))
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => String(e)).join('\n'))
  }

  /** Closes the admin connections the handles opened in this worker. */
  async close(): Promise<void> {
    live().delete(this)
    await Promise.allSettled([...this.#handles.values()].map((h) => h.close()))
  }
}

/**
 * Heals what tests left on the shared services of this worker: every fault started through a
 * `useServices()` handle (the `services` fixture's included) since `since` (epoch ms), or every one.
 * The plugin's setup file calls it after each test (faults since the test started) and after each file
 * (faults its hooks started), so a test that fails mid-pause cannot leave the next one a frozen service.
 */
export async function restoreServices(options: { since?: number } = {}): Promise<void> {
  const settled = await Promise.allSettled([...live()].map((services) => services.restore(options)))
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []))
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => String(e)).join('\n'))
}

/**
 * The services the Faultline plugin started for this run, usable in any test or hook.
 * Throws when the plugin is not in the project's config.
 */
export function useServices(): Services {
  let provided: ReturnType<typeof inject<'faultline'>> | undefined
  try {
    provided = inject('faultline')
  } catch {
    provided = undefined
  }
  if (!provided) {
    throw new FaultlineError(
      'PLUGIN_MISSING',
      'the Faultline plugin is not configured for this project. Fix: add faultline({ services: { … } }) to the plugins of vitest.config.ts.',
    )
  }
  return new Services(Object.values(provided.services).map(serviceFromInfo))
}
