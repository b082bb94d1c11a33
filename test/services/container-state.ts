import type { Service } from '@faultline/containers'
import { getContainerRuntimeClient } from 'testcontainers'

/** What Docker says about a service's container right now (undefined once it is removed). */
export interface ContainerState {
  running: boolean
  paused: boolean
  /** The Docker networks it is on (none while disconnected). */
  networks: string[]
  /** When the container's main process last started (ISO time): changes on every start and restart. */
  startedAt: string
}

/** Reads the state of a service's container from Docker, bypassing the handle under test. */
export async function containerState(service: Service): Promise<ContainerState | undefined> {
  const client = await getContainerRuntimeClient()
  try {
    const { State, NetworkSettings } = await client.container.dockerode
      .getContainer(service.info.containerId!)
      .inspect()
    return {
      running: State.Running,
      paused: State.Paused,
      networks: Object.keys(NetworkSettings.Networks ?? {}),
      startedAt: State.StartedAt,
    }
  } catch {
    return undefined
  }
}

/**
 * Puts a file's own container back to running and on the default bridge network after each test, through
 * Docker directly, so that one failing chaos test never leaves the next one a paused, stopped or
 * disconnected service.
 */
export async function ensureRunning(service: Service | undefined): Promise<void> {
  if (!service?.info.containerId) return
  const client = await getContainerRuntimeClient()
  const container = client.container.dockerode.getContainer(service.info.containerId)
  const { State, NetworkSettings } = await container.inspect()
  const disconnected = Object.keys(NetworkSettings.Networks ?? {}).length === 0
  if (disconnected) await client.container.dockerode.getNetwork('bridge').connect({ Container: container.id })
  if (State.Paused) await container.unpause()
  else if (!State.Running) await container.start()
  else if (!disconnected) return
  await service.waitUntilReady(60_000)
}
