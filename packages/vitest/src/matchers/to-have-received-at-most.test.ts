// Retry storms against a real 503 upstream: a client with capped retries stays within
// messages x (1 + retries) upstream calls; a naive one that retries until it succeeds does not.
import { startUpstream } from '@faultline/http'
import { ConstantBackoff, handleAll, retry } from 'cockatiel'
import { describe, expect, it } from 'vitest'
import '../setup.js'

const MESSAGES = 10
const MAX_RETRIES = 3

async function post(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/notify`, {
    method: 'POST',
    body: '{}',
    signal: AbortSignal.timeout(2_000),
  })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
}

async function cappedClient(url: string): Promise<void> {
  const policy = retry(handleAll, { maxAttempts: MAX_RETRIES, backoff: new ConstantBackoff(1) })
  for (let i = 0; i < MESSAGES; i++) await policy.execute(() => post(url)).catch(() => {})
}

// The broken variant: retries each message up to 10 times, whatever the cap says.
async function naiveClient(url: string): Promise<void> {
  for (let i = 0; i < MESSAGES; i++) {
    for (let attempt = 0; attempt <= 10; attempt++) {
      if (
        await post(url).then(
          () => true,
          () => false,
        )
      )
        break
    }
  }
}

const span = (text: string) => text.replace(/over [\d,.]+ ms/, 'over <t> ms')

describe('.toHaveReceivedAtMost', () => {
  it('passes when retries are capped: upstream calls <= messages x (1 + retries)', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 })
    await cappedClient(upstream.url)
    expect(upstream.count).toBe(MESSAGES * (1 + MAX_RETRIES))
    expect(upstream).toHaveReceivedAtMost(MESSAGES * (1 + MAX_RETRIES))
  })

  it('fails on a retry storm, with the count and what was requested', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 })
    await naiveClient(upstream.url)
    expect(() => expect(upstream).toHaveReceivedAtMost(MESSAGES * (1 + MAX_RETRIES))).toThrowError()
    try {
      expect(upstream).toHaveReceivedAtMost(MESSAGES * (1 + MAX_RETRIES))
    } catch (error) {
      expect(span(String(error))).toMatchInlineSnapshot(`
        "Error: expect(upstream).toHaveReceivedAtMost(40)

        upstream received 110 requests > 40 (110 in its log, over <t> ms)
        Hint: requests: POST /v1/notify 110
        Hint: a retry storm? cap the retries, back off with jitter, and stop retrying once a breaker opens"
      `)
    }
  })

  it('counts only the requests in the given windows', async () => {
    await using upstream = await startUpstream({ kind: 'ok' })
    await post(upstream.url)
    const from = Date.now() + 1
    expect(upstream).toHaveReceivedAtMost(0, { during: { from } })
    expect(upstream).toHaveReceivedAtMost(1, { where: (r) => r.url === '/v1/notify' })
    expect(() => expect({ requests: [{}] }).toHaveReceivedAtMost(1)).toThrowError(
      'received: toHaveReceivedAtMost expects an upstream stub',
    )
    expect(() => expect(upstream).toHaveReceivedAtMost(-1)).toThrowError(
      'n: expected an integer >= 0 (requests), got -1',
    )
  })
})

describe('.not.toHaveReceivedAtMost', () => {
  it('passes when the upstream received more', async () => {
    await using upstream = await startUpstream({ kind: 'status', status: 503 })
    await naiveClient(upstream.url)
    expect(upstream).not.toHaveReceivedAtMost(MESSAGES * (1 + MAX_RETRIES))
  })

  it('fails when it received at most n', () => {
    const log = { name: 'llm', requests: [{ at: 1_000, method: 'POST', url: '/v1/chat' }] }
    expect(() => expect(log).not.toHaveReceivedAtMost(2)).toThrowErrorMatchingInlineSnapshot(`
      [Error: expect(upstream).not.toHaveReceivedAtMost(2)

      llm received 1 request <= 2 (1 in its log, over 0 ms), expected more than 2]
    `)
  })
})
