import { randomUUID } from 'node:crypto'
import { FaultlineArgumentError } from '@faultline/core'
import type { GenericContainer, StartedTestContainer } from 'testcontainers'
import { assertDockerReachable } from './docker.js'
import { ServiceStartError } from './errors.js'
import { containerLabels } from './labels.js'
import { freePort } from './ports.js'
import { lastLogLines, removeInstance } from './reaper.js'

/** Options every containerised service takes. */
export interface ContainerServiceOptions {
  /** The image to run. Defaults to the official image, or the service's FAULTLINE_*_IMAGE variable. */
  image?: string
  /** How long the container may take to become ready, in ms. */
  startupTimeout?: number
}

/** Validates the options every containerised service takes. */
export function checkContainerOptions(
  options: ContainerServiceOptions,
  callee: (...args: never[]) => unknown,
): void {
  if (options.image !== undefined && (typeof options.image !== 'string' || options.image.trim() === '')) {
    throw new FaultlineArgumentError(
      'options.image',
      `must be an image name such as 'postgres:17', got ${JSON.stringify(options.image)}`,
      callee,
    )
  }
  const timeout = options.startupTimeout
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new FaultlineArgumentError(
      'options.startupTimeout',
      `must be a positive number of ms, got ${timeout}`,
      callee,
    )
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
