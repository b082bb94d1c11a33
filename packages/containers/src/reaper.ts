import { hostname } from 'node:os'
import { docker } from './docker.js'
import { currentRun, LABELS } from './labels.js'

/** What a sweep removed. */
export interface SweepResult {
  /** Ids of the removed containers. */
  removed: string[]
}

/** True while process `pid` exists (EPERM: it exists but belongs to someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function removeAll(ids: string[]): Promise<string[]> {
  const dockerode = await docker()
  const done = await Promise.allSettled(
    ids.map((id) => dockerode.getContainer(id).remove({ force: true, v: true })),
  )
  return ids.filter((_, i) => done[i]?.status === 'fulfilled')
}

/**
 * Removes the containers left by Faultline runs on this host whose process is gone (a run killed with
 * SIGKILL, a crashed CI job). Runs at the start of every run; Ryuk does this job where it can be pulled.
 */
export async function sweepOrphans(): Promise<SweepResult> {
  const dockerode = await docker()
  const containers = await dockerode.listContainers({
    all: true,
    filters: { label: [`${LABELS.managed}=true`] },
  })
  const here = hostname()
  const orphans = containers.filter((c) => {
    const pid = Number(c.Labels[LABELS.pid])
    return c.Labels[LABELS.host] === here && Number.isInteger(pid) && !alive(pid)
  })
  return { removed: await removeAll(orphans.map((c) => c.Id)) }
}

/** Removes every container of a run (by default the current one), whatever its state. */
export async function removeRunContainers(runId: string = currentRun().id): Promise<SweepResult> {
  const dockerode = await docker()
  const containers = await dockerode.listContainers({
    all: true,
    filters: { label: [`${LABELS.run}=${runId}`] },
  })
  return { removed: await removeAll(containers.map((c) => c.Id)) }
}

// Docker multiplexes stdout and stderr in frames: 1 byte stream, 3 zero bytes, 4 bytes length, payload.
function demux(raw: Buffer): string {
  if (raw.length < 8 || raw[0]! > 2 || raw[1] !== 0) return raw.toString('utf8')
  const parts: Buffer[] = []
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4)
    parts.push(raw.subarray(offset + 8, offset + 8 + size))
    offset += 8 + size
  }
  return Buffer.concat(parts).toString('utf8')
}

/** The last lines a container logged, for error messages; empty when they cannot be read. */
export async function lastLogLines(instance: string, lines = 8): Promise<string> {
  try {
    const dockerode = await docker()
    const [found] = await dockerode.listContainers({
      all: true,
      filters: { label: [`${LABELS.instance}=${instance}`] },
    })
    if (!found) return ''
    const raw = await dockerode
      .getContainer(found.Id)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })
    return demux(raw)
      .split('\n')
      .map((line) => line.trimEnd())
      .filter(Boolean)
      .join('\n')
  } catch {
    return ''
  }
}

/** Removes the container(s) carrying one instance label: the clean-up after a failed start. */
export async function removeInstance(instance: string): Promise<void> {
  const dockerode = await docker()
  const containers = await dockerode.listContainers({
    all: true,
    filters: { label: [`${LABELS.instance}=${instance}`] },
  })
  await removeAll(containers.map((c) => c.Id))
}
