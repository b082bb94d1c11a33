// What the benches share: a median, rounding, and an HTTP server in its own process (so it has its own core).
import { type ChildProcess, spawn } from 'node:child_process'

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits

/**
 * Starts `code` (CommonJS, run by `node -e`) that listens on 127.0.0.1 and prints its port; resolves with
 * the child and its URL. Kill the child when done.
 */
export async function spawnServer(code: string): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
    server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  return { server, url: `http://127.0.0.1:${port}/` }
}
