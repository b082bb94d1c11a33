// Shared by the proxy's integration tests: the images to start (local ones in CI via FAULTLINE_*_IMAGE,
// the official ones for everyone else), and small helpers that observe a client from the outside.

export const images = {
  postgres: process.env.FAULTLINE_POSTGRES_IMAGE ?? 'postgres:17',
  redis: process.env.FAULTLINE_REDIS_IMAGE ?? 'redis:7',
  rabbitmq: process.env.FAULTLINE_RABBITMQ_IMAGE ?? 'rabbitmq:4-management',
}

/** How long `run` took, in ms, and what it settled to. */
export async function timed<T>(
  run: () => Promise<T>,
): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const start = performance.now()
  const [result] = await Promise.allSettled([run()])
  return { ms: performance.now() - start, result: result! }
}

/** The error of a promise that must fail, or a failure if it does not. */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const outcome = await Promise.allSettled([promise])
  const settled = outcome[0]!
  if (settled.status === 'fulfilled')
    throw new Error(`expected a failure, got ${JSON.stringify(settled.value)}`)
  return settled.reason as Error & { code?: string }
}
