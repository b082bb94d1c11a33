import type { Socket } from 'node:net'
import { whenDelivered } from './delivery.js'
import type { Framing } from './framing.js'
import { Pipe } from './pipe.js'
import type { Direction } from './record.js'

/** How a fault ends a connection: `reset` sends a TCP RST, `close` a FIN (a clean, early end of stream). */
export type CutMode = 'reset' | 'close'

/**
 * A proxied connection: the client's socket, the socket to the service, and one {@link Pipe} per direction.
 * Half-close is kept (a FIN in one direction is forwarded after the bytes before it; the other direction
 * keeps flowing). An RST from one peer is passed on as an RST to the other.
 */
export class Connection {
  /** Client -> service. */
  readonly up: Pipe
  /** Service -> client. */
  readonly down: Pipe
  /** The framing of the client's messages, when the proxy frames a protocol. */
  framing: Framing | undefined
  private finished = false
  // Cuts waiting for forwarded bytes to reach a peer before its RST.
  private readonly waits = new Set<() => void>()

  constructor(
    /** 1, 2, 3... in accept order; per-connection random choices are keyed by it. */
    readonly id: number,
    readonly client: Socket,
    readonly server: Socket,
    private readonly onFinish: (connection: Connection) => void,
  ) {
    this.up = new Pipe('upstream', client, server)
    this.down = new Pipe('downstream', server, client)
    let clientError: NodeJS.ErrnoException | undefined
    let serverError: NodeJS.ErrnoException | undefined
    client.on('error', (error) => {
      clientError = error
    })
    server.on('error', (error) => {
      serverError = error
    })
    client.on('close', (hadError) => {
      if (hadError) abort(server, clientError)
      this.settle()
    })
    server.on('close', (hadError) => {
      if (hadError) abort(client, serverError)
      this.settle()
    })
  }

  /** The pipes a direction names. */
  pipes(direction: Direction): Pipe[] {
    if (direction === 'upstream') return [this.up]
    if (direction === 'downstream') return [this.down]
    return [this.up, this.down]
  }

  /** Starts forwarding both ways. */
  start(): void {
    this.up.start()
    this.down.start()
  }

  /**
   * Ends the connection here: nothing more is forwarded, what waits in the proxy is dropped, and each peer
   * first gets every byte already forwarded to it, then `reset` an RST, `close` a FIN. With `spareServer`,
   * the service gets a clean FIN, so it still processes the last message (the "cut after the COMMIT went
   * out" case), and its answer is dropped.
   */
  cut(mode: CutMode, spareServer = false): void {
    this.up.close()
    this.down.close()
    if (mode === 'reset') this.rstWhenDelivered(this.client)
    else endThenDestroy(this.client)
    if (spareServer) this.server.end()
    else if (mode === 'reset') this.rstWhenDelivered(this.server)
    else endThenDestroy(this.server)
  }

  /** RSTs the side(s) `direction` names: `downstream` the client, `upstream` the service; the other gets FIN. */
  reset(direction: Direction): void {
    this.up.close()
    this.down.close()
    if (direction === 'upstream') endThenDestroy(this.client)
    else rst(this.client)
    if (direction === 'downstream') endThenDestroy(this.server)
    else rst(this.server)
  }

  /** Forwards nothing more in either direction and never closes: a per-connection black hole. */
  freeze(): void {
    this.up.freeze()
    this.down.freeze()
  }

  /** Destroys both sockets (proxy shutdown). */
  destroy(): void {
    this.stopWaiting()
    this.up.close()
    this.down.close()
    this.client.destroy()
    this.server.destroy()
    this.settle()
  }

  // Done once both sockets are closed, however that happened.
  private settle(): void {
    if (this.finished) return
    if (!(this.client.destroyed && this.server.destroyed)) return
    this.finished = true
    this.stopWaiting()
    this.up.close()
    this.down.close()
    this.onFinish(this)
  }

  // An RST drops what the kernel has not delivered yet: send it once the peer has taken those bytes.
  private rstWhenDelivered(socket: Socket): void {
    let cancel: (() => void) | undefined
    cancel = whenDelivered(socket, () => {
      if (cancel !== undefined) this.waits.delete(cancel)
      rst(socket)
    })
    if (!socket.destroyed) this.waits.add(cancel)
  }

  private stopWaiting(): void {
    for (const cancel of this.waits) cancel()
    this.waits.clear()
  }
}

function abort(socket: Socket, cause: NodeJS.ErrnoException | undefined): void {
  if (socket.destroyed) return
  if (cause?.code === 'ECONNRESET') rst(socket)
  else socket.destroy()
}

/**
 * Sends an RST. On Linux a peer that still has unread bytes when the RST arrives reads them and then sees
 * a plain end of stream (the kernel reports EOF before the error), so "reset right after the last bytes"
 * may look like a close to that peer; a peer that is waiting for bytes sees ECONNRESET.
 */
export function rst(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy()
}

function endThenDestroy(socket: Socket): void {
  if (socket.destroyed) return
  socket.end(() => socket.destroy())
  // A peer that never reads would keep the FIN queued forever; the proxy's own close() sweeps those.
}
