import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { now } from '../clock.js'
import { injectFault } from './inject.js'
import { measureRecovery } from './recovery.js'
import { measureSettle } from './settle.js'

describe('measureSettle', () => {
  it('measures a rejection', async () => {
    const s = await measureSettle(() => sleep(30).then(() => Promise.reject(new Error('no'))), {
      giveUpAfter: 1000,
    })
    expect(s.outcome).toBe('rejected')
    expect(s.ms).toBeGreaterThanOrEqual(25)
  })

  it('gives up on a hanging call at the limit and aborts its signal', async () => {
    let aborted: unknown
    const s = await measureSettle(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = signal.reason
            reject(signal.reason)
          }),
        ),
      { giveUpAfter: 50 },
    )
    expect(s.outcome).toBe('pending')
    expect(String(aborted)).toBe('FaultlineError: gave up waiting after 50 ms')
  })
})

describe('measureRecovery', () => {
  it('measures the time from the heal to the first success', async () => {
    await using fault = injectFault(async () => 'ok', { kind: 'error' })
    await fault.heal()
    const since = now()
    // The dependency comes back 150 ms after the heal (e.g. a breaker's half-open delay).
    const r = await measureRecovery(
      async () => {
        if (now() - since < 150) throw new Error('still open')
        return fault.fn()
      },
      { within: 2_000, since: fault, interval: 20, successes: 2 },
    )
    expect(r.recovered).toBe(true)
    expect(r.recoveryMs).toBeGreaterThanOrEqual(140)
    expect(r.recoveryMs).toBeLessThan(1_500)
    expect(r.failures).toBeGreaterThan(0)
  })

  it('gives up at the budget when calls keep failing', async () => {
    const r = await measureRecovery(() => Promise.reject(new Error('down')), {
      within: 200,
      interval: 20,
    })
    expect(r).toMatchObject({ recovered: false, recoveryMs: undefined })
    expect(String(r.lastError)).toBe('Error: down')
    expect(r.elapsedMs).toBeLessThan(1_000)
  })

  it('refuses a fault that has not healed', async () => {
    await using fault = injectFault(async () => 'ok', { kind: 'error' })
    await expect(measureRecovery(() => fault.fn(), { within: 100, since: fault })).rejects.toThrow(
      'options.since: the fault has not healed yet',
    )
  })
})
