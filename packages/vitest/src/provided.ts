import type { ServiceInfo } from '@faultline/containers'

/** What the plugin's global setup hands to every test worker (Vitest `provide` / `inject`). */
export interface FaultlineProvided {
  /** The run's id; containers of this run carry it as a label. */
  runId: string
  /** Every declared service, by the name it was declared under. */
  services: Record<string, ServiceInfo>
}

declare module 'vitest' {
  export interface ProvidedContext {
    faultline: FaultlineProvided
  }
}
