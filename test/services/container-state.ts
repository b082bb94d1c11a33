import type { Service } from '@faultline/containers'
import { getContainerRuntimeClient } from 'testcontainers'

/** What Docker says about a service's container right now (undefined once it is removed). */
export interface ContainerState {
  running: boolean
  paused: boolean
  /** When the container's main process last started (ISO time): changes on every start and restart. */
  startedAt: string
}

/** Reads the state of a service's container from Docker, bypassing the handle under test. */
export async function containerState(service: Service): Promise<ContainerState | undefined> {
  const client = await getContainerRuntimeClient()
  try {
    const { State } = await client.container.dockerode.getContainer(service.info.containerId!).inspect()
    return { running: State.Running, paused: State.Paused, startedAt: State.StartedAt }
  } catch {
    return undefined
  }
}

/**
 * Puts a file's own container back to running after each test, through Docker directly, so that one
 * failing chaos test never leaves the next one a paused or stopped service.
 */
export async function ensureRunning(service: Service | undefined): Promise<void> {
  if (!service?.info.containerId) return
  const client = await getContainerRuntimeClient()
  const container = client.container.dockerode.getContainer(service.info.containerId)
  const { State } = await container.inspect()
  if (State.Paused) await container.unpause()
  else if (!State.Running) await container.start()
  else return
  await service.waitUntilReady(60_000)
}
