// Runs the parts of one load run on worker threads, one part per thread, started together, and hands back
// each part's result. A thread runs `entry`, a module exporting `runPart(payload, signals)`; functions do
// not cross threads, so a part is data and the code is a module. From the packages' TypeScript source (this
// repository's tests), a thread is given a loader that finds `./x.ts` for `./x.js` and a package's
// `src/` for its `dist/`, so threads run the same code as the test does.
import { Worker } from 'node:worker_threads'
import { FaultlineError } from '../errors.js'

/** What a part's code receives: the run's abort and stop signals, relayed from the calling thread. */
export interface PartSignals {
  readonly signal: AbortSignal
  readonly stop: AbortSignal
}

/** What `runOnThreads` needs besides the parts. */
export interface ThreadsOptions {
  /** Aborts every part (each rejects with it); `runOnThreads` rejects with its reason. */
  readonly signal?: AbortSignal
  /** Stops every part starting calls (those in flight finish). */
  readonly stop?: AbortSignal
}

// The resolve hook of a thread running from source: `./x.js` that does not exist is `./x.ts`, and a
// workspace package's `dist/x.js` is its `src/x.ts` when that exists (as vitest.source.ts does for tests).
const HOOKS = `
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
const DIST = /^(.*\\/packages\\/[^/]+)\\/dist\\/(.+)\\.js$/
export async function resolve(specifier, context, next) {
  let resolved
  try {
    resolved = await next(specifier, context)
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.endsWith('.js')) throw error
    resolved = await next(specifier.slice(0, -3) + '.ts', context)
  }
  const match = resolved.url.startsWith('file:') ? DIST.exec(fileURLToPath(resolved.url)) : null
  if (match && existsSync(match[1] + '/src/' + match[2] + '.ts')) {
    return { ...resolved, url: new URL('file://' + match[1] + '/src/' + match[2] + '.ts').href, format: undefined }
  }
  return resolved
}
`

// The thread's first module: from source, it registers the hook; then it loads the part's code, says it
// is ready, and runs the part at the calling thread's go, relaying abort and stop.
const BOOTSTRAP = `
import { register } from 'node:module'
import { parentPort, workerData } from 'node:worker_threads'
if (workerData.fromSource) register('data:text/javascript,' + encodeURIComponent(workerData.hooks))
const { runPart } = await import(workerData.entry)
const abort = new AbortController()
const stop = new AbortController()
parentPort.on('message', (message) => {
  if (message.type === 'abort') abort.abort(message.reason)
  else if (message.type === 'stop') stop.abort()
  else if (message.type === 'go') {
    runPart(workerData.payload, { signal: abort.signal, stop: stop.signal }).then(
      (result) => parentPort.postMessage({ type: 'result', result }),
      (error) => parentPort.postMessage({ type: 'error', message: String(error?.message ?? error), stack: String(error?.stack ?? '') }),
    )
  }
})
parentPort.postMessage({ type: 'ready' })
`

type FromThread =
  | { type: 'ready' }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; stack: string }

/**
 * Runs `parts` on as many worker threads, each with `entry`'s `runPart(part, signals)`, all started once
 * every thread has loaded its code; resolves with the parts' results in order, or rejects with the first
 * failure (naming the thread) or the signal's reason. Every thread is terminated at the end, whatever way.
 *
 * @example
 * const reports = await runOnThreads(new URL('./thread-part.js', import.meta.url), parts, { signal })
 */
export async function runOnThreads(
  entry: URL,
  parts: readonly unknown[],
  options: ThreadsOptions = {},
): Promise<unknown[]> {
  options.signal?.throwIfAborted()
  // Running from TypeScript source (this repository's tests): the threads need the loader hook too.
  const fromSource = import.meta.url.endsWith('.ts')
  const workers = parts.map(
    (payload) =>
      new Worker(new URL(`data:text/javascript,${encodeURIComponent(BOOTSTRAP)}`), {
        workerData: { entry: entry.href, payload, fromSource, hooks: HOOKS },
      }),
  )
  const send = (message: object): void => {
    for (const worker of workers) worker.postMessage(message)
  }
  const onAbort = (): void => send({ type: 'abort', reason: String(options.signal?.reason ?? 'aborted') })
  const onStop = (): void => send({ type: 'stop' })
  options.signal?.addEventListener('abort', onAbort, { once: true })
  options.stop?.addEventListener('abort', onStop, { once: true })
  if (options.stop?.aborted) onStop()
  try {
    let ready = 0
    const results = await Promise.all(
      workers.map(
        (worker, i) =>
          new Promise<unknown>((resolve, reject) => {
            const fail = (message: string): void =>
              reject(
                options.signal?.aborted
                  ? options.signal.reason
                  : new FaultlineError(
                      'THREAD_FAILED',
                      `load thread ${i + 1} of ${workers.length}: ${message}`,
                    ),
              )
            worker.on('error', (error) => fail(error.message))
            worker.on('exit', (code) => fail(`exited (code ${code}) before its part was done`))
            worker.on('message', (message: FromThread) => {
              if (message.type === 'ready') {
                // Together: the parts' reports are laid over one another from their starts.
                if (++ready === workers.length) send({ type: 'go' })
              } else if (message.type === 'result') resolve(message.result)
              else fail(message.message)
            })
          }),
      ),
    )
    return results
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    options.stop?.removeEventListener('abort', onStop)
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
}
