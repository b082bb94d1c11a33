import type { Pipe } from './pipe.js'
import { framers } from './protocols/matchers.js'
import type { ProtocolMessage, ProtocolName } from './protocols/types.js'

/**
 * Frames one connection's client -> service bytes: each chunk goes through the protocol's framer before
 * it is forwarded, every message is handed to `onMessage` while `listening()` (a trigger is active), and
 * the pipe holds back the bytes from the start of a message not reported yet (at most the framing
 * window), so a trigger can still act before it.
 */
export class Framing {
  private readonly waiting = new Map<ProtocolMessage, Array<(end: number) => void>>()

  constructor(
    pipe: Pipe,
    protocol: ProtocolName,
    listening: () => boolean,
    onMessage: (message: ProtocolMessage) => void,
  ) {
    const framer = framers[protocol]({
      get listening() {
        return listening()
      },
      message: onMessage,
      end: (message) => {
        const runs = this.waiting.get(message) ?? []
        this.waiting.delete(message)
        for (const run of runs) run(message.end)
      },
    })
    pipe.limit = 0
    pipe.inspect = (chunk, offset) => {
      framer.push(chunk, offset)
      pipe.limit = framer.safe
    }
  }

  /**
   * Runs `run` with the stream offset where `message` ends: now when it is known, else as soon as the
   * framer reads it (before the bytes past it are forwarded). Never, if the stream stops before.
   */
  atEnd(message: ProtocolMessage, run: (end: number) => void): void {
    if (Number.isFinite(message.end)) {
      run(message.end)
      return
    }
    const runs = this.waiting.get(message)
    if (runs === undefined) this.waiting.set(message, [run])
    else runs.push(run)
  }
}
