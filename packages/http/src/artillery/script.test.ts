import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { constantRate, exponentialRate, poissonArrivals, rampRate, ratePhases } from '@faultline/core'
import { describe, expect, test } from 'vitest'
import { artilleryScript, PROCESSOR_FILE, writeArtilleryScript } from './script.js'

describe('artilleryScript', () => {
  test('one request per virtual user, at the rate, with the processor counting response times', () => {
    const script = artilleryScript({
      url: 'http://127.0.0.1:3000/orders?limit=5',
      rate: 50,
      duration: 20_000,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sku":"a"}',
      timeout: 2_500,
      name: 'checkout',
    })
    expect(script).toEqual({
      config: {
        target: 'http://127.0.0.1:3000',
        phases: [{ duration: 20, arrivalRate: 50 }],
        http: { timeout: 2.5 },
        processor: `./${PROCESSOR_FILE}`,
      },
      scenarios: [
        {
          name: 'checkout',
          flow: [
            {
              post: {
                url: '/orders?limit=5',
                headers: { 'content-type': 'application/json' },
                body: '{"sku":"a"}',
                afterResponse: 'faultlineCountResponse',
              },
            },
          ],
        },
      ],
    })
  })

  test('a profile of constant and ramp phases becomes Artillery phases; Poisson arrivals its poisson mode', () => {
    const rate = poissonArrivals(ratePhases(rampRate(1, 100, 10_000), constantRate(100, 30_000)))
    expect(artilleryScript({ url: 'http://localhost:1/', rate }).config.phases).toEqual([
      { duration: 10, arrivalRate: 1, rampTo: 100, mode: 'poisson' },
      { duration: 30, arrivalRate: 100, mode: 'poisson' },
    ])
  })

  test.each([
    [{ rate: 10 }, 'options.duration: expected a number of ms > 0, got undefined'],
    [
      { rate: 10, duration: 1_500 },
      "options.rate.phases[0].durationMs: expected whole seconds (Artillery's phases are in seconds), got 1500 ms",
    ],
    [
      { rate: exponentialRate(1, 100, 5_000) },
      'options.rate.phases[0]: Artillery has constant and linear ramp phases, not exponential ones: use stepRates or rampRate',
    ],
    [{ rate: constantRate(5) }, 'options.rate.phases[0]: a phase without a duration: give each phase one'],
    [
      { rate: rampRate(1, 5, 2_000), duration: 2_000 },
      'options.duration: a rate profile has its own duration: leave duration out, or give a number as rate',
    ],
    [{ rate: 10, duration: 1_000, url: 'ftp://x/' }, 'options.url: expected an http(s) URL, got ftp://x/'],
    [
      { rate: 10, duration: 1_000, method: 'BREW' },
      'options.method: expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "BREW"',
    ],
  ])('refuses %j, naming the option and the fix', (options, message) => {
    expect(() => artilleryScript({ url: 'http://127.0.0.1:3000/', ...options } as never)).toThrow(message)
  })
})

describe('writeArtilleryScript', () => {
  test('writes the script and the processor beside it, for any Artillery run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-script-'))
    try {
      const written = await writeArtilleryScript(dir, {
        url: 'http://127.0.0.1:3000/',
        rate: 5,
        duration: 1_000,
      })
      expect(written).toEqual({ script: join(dir, 'faultline.json'), processor: join(dir, PROCESSOR_FILE) })
      expect(JSON.parse(await readFile(written.script, 'utf8')).config.processor).toBe(`./${PROCESSOR_FILE}`)
      const processor = await import(written.processor)
      const counted: [string, string, number][] = []
      const events = { emit: (type: string, name: string, n: number) => counted.push([type, name, n]) }
      let done = false
      processor.faultlineCountResponse(
        {},
        { statusCode: 503, timings: { phases: { firstByte: 12 } } },
        {},
        events,
        () => {
          done = true
        },
      )
      expect(counted).toEqual([['counter', 'faultline.response_time.503.12', 1]])
      expect(done).toBe(true)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
