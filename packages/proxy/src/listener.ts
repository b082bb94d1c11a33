// The proxy's sockets: the listening server, each accepted client paired with its connection to the
// service, and the bookkeeping that lets close() end every one of them. What faults do is not here.
import { connect, createServer, type Server, type Socket } from 'node:net'
import { FaultlineError } from '@faultline/core'
import { type Endpoint, formatEndpoint } from './address.js'
import { Connection, rst } from './connection.js'

/** Connection counts, and the bytes waiting in the proxy. */
export interface ProxyStats {
  /** Connections accepted since the proxy started. */
  readonly accepted: number
  /** Connections open now, including those still connecting to the service. */
  readonly open: number
  /**
   * Bytes the proxy holds right now, over every connection and direction: queued behind a fault, held
   * back while a message is framed, or written and not yet taken by the kernel. Bounded per connection
   * and direction (see docs/proxy.md) whatever the message sizes.
   */
  readonly buffered: number
}

/** What the proxy decides for each accepted client. */
export interface ListenerHooks {
  /** True when a fault refuses connection `id`: the client is reset at once. */
  refuses(id: number): boolean
  /** Connection `connection` reached the service; faults attach here, before any byte is forwarded. */
  opened(connection: Connection): void
}

/** Listens, pairs each client with a connection to `target`, and tracks both until they close. */
export class Listener {
  /** Connections accepted so far; a connection's id is its rank. */
  accepted = 0
  /** Where the proxy listens (the port the OS chose, once listening). */
  address: Endpoint
  #server: Server | undefined
  readonly #open = new Set<Connection>()
  readonly #connecting = new Map<Socket, Socket>()
  #closed = false
  /** What the proxy decides for each client; until set, every client is forwarded without faults. */
  hooks: ListenerHooks = { refuses: () => false, opened: () => {} }

  constructor(
    private readonly target: Endpoint,
    listenOn: Endpoint,
  ) {
    this.address = listenOn
  }

  /** The connections forwarding now. */
  get connections(): Iterable<Connection> {
    return this.#open
  }

  /** Connection counts and the bytes waiting in the proxy. */
  stats(): ProxyStats {
    let buffered = 0
    for (const connection of this.#open) buffered += connection.up.buffered + connection.down.buffered
    return { accepted: this.accepted, open: this.#open.size + this.#connecting.size, buffered }
  }

  /** Starts (or, after `stop()`, restarts) listening on `address`. */
  async listen(): Promise<void> {
    const { host, port } = this.address
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true })
    server.on('connection', (socket) => this.#accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port, backlog: 1024 }, () => {
        server.off('error', reject)
        resolve()
      })
    }).catch((error: NodeJS.ErrnoException) => {
      const where = formatEndpoint({ host, port })
      if (error.code === 'EADDRINUSE') {
        throw new FaultlineError(
          'PROXY_PORT_IN_USE',
          `cannot listen on ${where}: the port is in use. Leave options.port out (an ephemeral port) or choose a free one.`,
          { cause: error },
        )
      }
      throw new FaultlineError('PROXY_LISTEN_FAILED', `cannot listen on ${where}: ${error.message}`, {
        cause: error,
      })
    })
    if (this.#closed) {
      server.close()
      return
    }
    const bound = server.address()
    if (bound !== null && typeof bound === 'object') this.address = { host: bound.address, port: bound.port }
    this.#server = server
  }

  /** Stops listening (new clients get ECONNREFUSED); open connections stay. */
  stop(): void {
    this.#server?.close()
    this.#server = undefined
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Stops listening and destroys every connection, both sockets of each; no client is accepted after. */
  async close(): Promise<void> {
    this.#closed = true
    const server = this.#server
    this.#server = undefined
    for (const [client, service] of this.#connecting) {
      client.destroy()
      service.destroy()
    }
    this.#connecting.clear()
    for (const connection of [...this.#open]) connection.destroy()
    this.#open.clear()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  #accept(client: Socket): void {
    client.on('error', ignore)
    if (this.#closed) {
      client.destroy()
      return
    }
    const id = ++this.accepted
    if (this.hooks.refuses(id)) {
      rst(client)
      return
    }
    const service = connect({
      host: this.target.host,
      port: this.target.port,
      allowHalfOpen: true,
      noDelay: true,
    })
    service.on('error', ignore)
    this.#connecting.set(client, service)
    const settle = (): boolean => {
      this.#connecting.delete(client)
      service.off('error', unreachable)
      client.off('close', gone)
      return !this.#closed
    }
    // The service is unreachable: the client sees a reset, as it would from a dead service behind a LB.
    const unreachable = (): void => {
      settle()
      rst(client)
    }
    const gone = (): void => {
      settle()
      service.destroy()
    }
    service.once('error', unreachable)
    client.once('close', gone)
    service.once('connect', () => {
      if (!settle()) return
      const connection = new Connection(id, client, service, (c) => this.#open.delete(c))
      this.#open.add(connection)
      this.hooks.opened(connection)
      if (!client.destroyed && !service.destroyed) connection.start()
    })
  }
}

function ignore(): void {}
