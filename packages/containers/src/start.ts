import { randomUUID } from 'node:crypto'
import { type Callee, checkNumber, describeValue, FaultlineArgumentError } from '@faultline/core'
import type { GenericContainer, StartedTestContainer } from 'testcontainers'
import { assertDockerReachable } from './docker.js'
import { ServiceStartError } from './errors.js'
import { defaultImage } from './images.js'
import type { ServiceKind } from './info.js'
import { containerLabels } from './labels.js'
import { freePort } from './ports.js'
import { lastLogLines, removeInstance } from './reaper.js'

/** The services with a module of their own and a default image; `container()` is the generic one. */
type BuiltInKind = Exclude<ServiceKind, 'container'>

/** Options every containerised service takes. */
export interface ContainerServiceOptions {
  /** The image to run. Defaults to the official image, or the service's FAULTLINE_*_IMAGE variable. */
  image?: string
  /** How long the container may take to become ready, in ms. */
  startupTimeout?: number
}

/**
 * A service to run in a container, not yet started: what `postgresContainer()`, `redisContainer()` and
 * `rabbitmqContainer()` return. The Vitest plugin starts it once per run; `start()` starts it by hand.
 */
export interface ContainerDefinition<K extends BuiltInKind, O extends ContainerServiceOptions, S> {
  readonly kind: K
  readonly options: O
  /** Starts the container (named `name`, default the kind) and returns a handle; `await using` removes it. */
  start(name?: string): Promise<S>
}

/** How a container definition starts its service, given the image and startup timeout to use. */
export type StartContainer<S> = (name: string, image: string, startupTimeout: number) => Promise<S>

/**
 * Validates the options every containerised service takes and makes the definition: `start()` resolves
 * the image (the option, FAULTLINE_*_IMAGE, or the official one) and the startup timeout.
 */
export function defineContainer<K extends BuiltInKind, O extends ContainerServiceOptions, S>(
  kind: K,
  options: O,
  defaultStartupTimeout: number,
  callee: Callee,
  start: StartContainer<S>,
): ContainerDefinition<K, O, S> {
  if (options.image !== undefined && (typeof options.image !== 'string' || options.image.trim() === '')) {
    throw new FaultlineArgumentError(
      'options.image',
      `expected an image name such as 'postgres:17', got ${describeValue(options.image)}`,
      callee,
    )
  }
  if (options.startupTimeout !== undefined)
    checkNumber(options.startupTimeout, 'options.startupTimeout', { unit: 'ms', above: 0 }, callee)
  return {
    kind,
    options,
    start: (name = kind) =>
      start(name, options.image ?? defaultImage(kind), options.startupTimeout ?? defaultStartupTimeout),
  }
}

/**
 * Starts a testcontainers container with Faultline's labels and its ports published on fixed free host
 * ports. On any failure the container is removed and a ServiceStartError says why and what to do.
 */
export async function startLabelled<S extends StartedTestContainer>(
  name: string,
  container: Omit<GenericContainer, 'start'> & { start(): Promise<S> },
  image: string,
  startupTimeout: number,
  ports: readonly number[],
): Promise<{ started: S; instance: string; hostPorts: Map<number, number> }> {
  await assertDockerReachable()
  const instance = randomUUID()
  const hostPorts = new Map<number, number>()
  for (const port of ports) hostPorts.set(port, await freePort())
  container
    .withLabels(containerLabels(name, instance))
    .withStartupTimeout(startupTimeout)
    .withExposedPorts(...ports.map((port) => ({ container: port, host: hostPorts.get(port)! })))
  try {
    return { started: await container.start(), instance, hostPorts }
  } catch (error) {
    const logs = await lastLogLines(instance)
    await removeInstance(instance).catch(() => {})
    throw new ServiceStartError(name, image, startupTimeout, error, logs)
  }
}
