import {
  type AnyService,
  assertDockerReachable,
  currentRun,
  removeOnInterrupt,
  removeRunContainers,
  type ServiceInfo,
  sweepOrphans,
} from '@faultline/containers'
import type { TestProject } from 'vitest/node'
import './provided.js'
import { lookup } from './registry.js'

/**
 * Vitest global setup added by the plugin: sweeps orphans of killed runs, starts every declared service
 * in parallel, provides their info to the workers, and tears everything down at the end of the run — or
 * on SIGINT / SIGTERM / SIGHUP, on which Vitest exits without running global teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = currentRun()
  const declared = Object.entries(lookup(project.name)?.services ?? {})
  const needsDocker = declared.some(([, definition]) => !definition.external)
  if (needsDocker) {
    await assertDockerReachable()
    const swept = await sweepOrphans()
    if (swept.removed.length > 0) {
      console.warn(`faultline: removed ${swept.removed.length} container(s) left by killed runs`)
    }
  }
  // From before the first container starts: an interrupted start leaves nothing either.
  const stopWatchingSignals = needsDocker ? removeOnInterrupt(run.id) : () => {}

  const settled = await Promise.allSettled(declared.map(([name, definition]) => definition.start(name)))
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value as AnyService] : []))
  const teardown = async () => {
    await Promise.allSettled(started.map((service) => service.close()))
    if (needsDocker) await removeRunContainers(run.id)
    stopWatchingSignals()
  }
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []))
  if (failures.length > 0) {
    await teardown()
    if (failures.length === 1) throw failures[0]
    throw new AggregateError(
      failures,
      failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n\n'),
    )
  }

  const services: Record<string, ServiceInfo> = {}
  for (const service of started) services[service.name] = service.info
  project.provide('faultline', { runId: run.id, services })
  return teardown
}
