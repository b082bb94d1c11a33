import {
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel'

/** The hardened client's settings: what the tests' budgets are computed from. */
export const LLM = {
  /** Each call gives up after this long. A black-holed upstream costs a worker this much, no more. */
  timeout: 2_000,
  /** Retries of a 5xx or 429 answer (not of a timeout: a timed-out completion may still be billed). */
  retries: 1,
  /** Consecutive failures that open the breaker. */
  breakAfter: 3,
  /** How long the breaker stays open before it lets one probe through. */
  halfOpenAfter: 1_000,
} as const

/** An answer of the upstream with an error status. */
export class LlmHttpError extends Error {
  constructor(readonly status: number) {
    super(`LLM HTTP ${status}`)
  }
}

export interface LlmClient {
  /** Asks for a completion of `prompt`; `signal` lets the caller give up. */
  complete(prompt: string, signal?: AbortSignal): Promise<string>
  /** The circuit breaker (the hardened client only). */
  readonly breaker?: CircuitBreakerPolicy
}

async function post(baseUrl: string, prompt: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'small', messages: [{ role: 'user', content: prompt }] }),
    signal: signal ?? null,
  })
  if (!res.ok) {
    await res.arrayBuffer()
    throw new LlmHttpError(res.status)
  }
  const body = (await res.json()) as { choices?: { message?: { content?: string } }[] }
  return body.choices?.[0]?.message?.content ?? ''
}

// #region naive-llm
/**
 * The naive client the audit found: no timeout, so a black-holed upstream holds the caller forever, and
 * three immediate retries of any error, so an outage multiplies the upstream's load by four.
 */
export function naiveLlmClient(baseUrl: string): LlmClient {
  return {
    async complete(prompt, signal) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await post(baseUrl, prompt, signal)
        } catch (error) {
          if (attempt === 3 || signal?.aborted) throw error
        }
      }
    },
  }
}
// #endregion naive-llm

// #region hardened-llm
/**
 * The hardened client: a timeout per call, one retry of a 5xx or 429 with backoff (never through an open
 * breaker), and a breaker that opens after 3 failures in a row and probes again after 1 s (cockatiel).
 */
export function hardenedLlmClient(baseUrl: string): LlmClient {
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: LLM.halfOpenAfter,
    breaker: new ConsecutiveBreaker(LLM.breakAfter),
  })
  const retryStatus = retry(
    // Not a timeout, and not the open breaker's BrokenCircuitError: retrying those only adds load.
    handleWhen((e) => e instanceof LlmHttpError && (e.status >= 500 || e.status === 429)),
    { maxAttempts: LLM.retries, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 200 }) },
  )
  const policy = wrap(retryStatus, breaker, timeout(LLM.timeout, TimeoutStrategy.Aggressive))
  return {
    breaker,
    complete: (prompt, signal) => policy.execute(({ signal: inner }) => post(baseUrl, prompt, inner), signal),
  }
}
// #endregion hardened-llm
