import type Dockerode from 'dockerode'
import { getContainerRuntimeClient } from 'testcontainers'
import { DockerUnreachableError } from './errors.js'

// Faultline reaps its own containers (labels + sweep), so Ryuk, which cannot be pulled where no registry is
// reachable, is off unless the user turned it on explicitly.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'

/** The Docker API client, or a DockerUnreachableError that says how to fix it. */
export async function docker(): Promise<Dockerode> {
  try {
    const client = await getContainerRuntimeClient()
    return client.container.dockerode
  } catch (error) {
    throw new DockerUnreachableError(error)
  }
}

/** Throws DockerUnreachableError unless the engine answers a ping. */
export async function assertDockerReachable(): Promise<void> {
  const dockerode = await docker()
  try {
    await dockerode.ping()
  } catch (error) {
    throw new DockerUnreachableError(error)
  }
}
