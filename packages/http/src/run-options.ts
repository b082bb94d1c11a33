// What httpLoad hands either model once its options are checked and defaulted.
import type { LoadPart, Timeline } from '@faultline/core'

/** The HTTP methods `httpLoad` sends. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'

/** The request every call of a run sends. */
export interface HttpRequestShape {
  readonly method: HttpMethod | undefined
  readonly headers: Readonly<Record<string, string>> | undefined
  readonly body: string | Buffer | undefined
}

/** The options both models share, checked, defaults applied. */
export interface ResolvedRun extends HttpRequestShape {
  readonly url: URL
  readonly duration: number | undefined
  readonly count: number | undefined
  readonly timeout: number
  readonly maxDuration: number
  readonly isError: (status: number) => boolean
  readonly signal: AbortSignal | undefined
  readonly name: string | undefined
  readonly interval: number | undefined
  readonly timeline: Timeline | undefined
  /** This thread's part of a run spread over threads (`threads`); undefined for a whole run. */
  readonly part?: LoadPart | undefined
}
