// A real load run for the chart tests: core's `load()` against an HTTP server on loopback, through a client
// whose `get` an in-process fault (recorded on a timeline) hits in the middle of the run.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { injectMethod, type LoadReport, load, Timeline, type TimelineEntry } from '@faultline/core'

/** The fault applied mid-run: `error` fails every call, `blackHole` holds them (so arrivals get dropped). */
export type RunFault = 'error' | 'blackHole'

/** A load run with one fault window on its timeline. */
export interface FaultedRun {
  readonly report: LoadReport
  readonly fault: TimelineEntry
}

/**
 * 100 arrivals/s for 2.4 s against a loopback server; the fault named `name` is on from 0.8 s to 1.6 s.
 * With `blackHole`, at most 5 calls in flight and 10 queued: arrivals during the fault are dropped.
 */
export async function faultedRun(kind: RunFault, name = 'api down'): Promise<FaultedRun> {
  const server = createServer((_req, res) => res.end('ok'))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const client = {
    async get(context: { signal: AbortSignal }): Promise<void> {
      const response = await fetch(url, { signal: context.signal })
      await response.text()
    },
  }
  const timeline = new Timeline()
  const fault = injectMethod(client, 'get', { kind, name, enabled: false, timeline, target: 'api' })
  const timers = [setTimeout(() => fault.enable(), 800), setTimeout(() => void fault.heal(), 1_600)]
  try {
    const report = await load((context) => client.get(context), {
      rate: 100,
      duration: 2_400,
      interval: 200,
      seed: 7,
      timeline,
      timeout: 1_000,
      ...(kind === 'blackHole' ? { maxInFlight: 5, maxQueued: 10 } : {}),
    })
    const entry = report.faults.find((f) => f.name === name)
    if (!entry) throw new Error(`the timeline has no fault named ${name}`)
    return { report, fault: entry }
  } finally {
    for (const timer of timers) clearTimeout(timer)
    await fault.heal()
    server.closeAllConnections()
    server.close()
  }
}

// Declarations, comments and character data: skipped whole.
const SKIPPED = [
  ['<?', '?>'],
  ['<!--', '-->'],
  ['<![CDATA[', ']]>'],
] as const

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y

/**
 * Whether `xml` is well-formed, as far as an SVG needs: one root, every element closed in order, every
 * attribute quoted, no stray `<` or `&` outside CDATA. Returns the first problem, or undefined.
 */
export function xmlProblem(xml: string): string | undefined {
  const stack: string[] = []
  let roots = 0
  let i = 0
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const text = xml.slice(i, lt === -1 ? xml.length : lt)
    const amp = /&(?!(?:[a-zA-Z]+|#\d+|#x[\da-fA-F]+);)/.exec(text)
    if (amp) return `a bare & at ${i + amp.index}`
    if (lt === -1) break
    const skipped = SKIPPED.find(([open]) => xml.startsWith(open, lt))
    if (skipped) {
      const end = xml.indexOf(skipped[1], lt)
      if (end === -1) return `an unclosed ${skipped[0]} at ${lt}`
      i = end + skipped[1].length
      continue
    }
    TAG.lastIndex = lt
    const tag = TAG.exec(xml)
    if (!tag) return `a malformed tag at ${lt}: ${xml.slice(lt, lt + 60)}`
    const [, closing, name, , selfClosing] = tag
    if (closing) {
      if (stack.pop() !== name) return `</${name}> closes nothing open at ${lt}`
    } else if (!selfClosing) {
      if (stack.length === 0) roots++
      stack.push(name!)
    } else if (stack.length === 0) roots++
    i = TAG.lastIndex
  }
  if (stack.length > 0) return `unclosed <${stack.join('>, <')}>`
  return roots === 1 ? undefined : `${roots} root elements`
}
