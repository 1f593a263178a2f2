/**
 * A WebSocket API on 127.0.0.1 that speaks like OpenAI's Realtime API: `session.created` (with a
 * fresh id) on connect, then one `response.text.done` echo per message. It counts upgrades, so a
 * test can prove a refused socket never reached it. Built on the `ws` package's server (the
 * client side of every test is a real client: undici's, Node's, or `ws`).
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'

const { WebSocketServer } = createRequire(import.meta.url)('ws')

export interface RealtimeServer {
  /** `ws://127.0.0.1:<port>` */
  url: string
  port: number
  /** Upgrades the server accepted so far. */
  readonly upgrades: number
  close(): Promise<void>
}

export async function startRealtimeServer(): Promise<RealtimeServer> {
  const http = createServer((_request, response) => response.writeHead(426).end('WebSocket only'))
  const sockets = new WebSocketServer({ server: http })
  let upgrades = 0
  sockets.on('connection', (socket: any) => {
    upgrades++
    socket.send(
      JSON.stringify({ type: 'session.created', session: { id: `sess_${randomBytes(8).toString('hex')}` } }),
    )
    socket.on('message', (data: Buffer) => {
      socket.send(JSON.stringify({ type: 'response.text.done', text: `Echo: ${data.toString()}` }))
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    get upgrades() {
      return upgrades
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate()
        sockets.close()
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

/**
 * A `lookup` (net, tls, undici's `connect.lookup`, the `ws` client) that resolves names ending in
 * `.fr-remote.test` to 127.0.0.1: a host the library must treat as remote, served on loopback.
 */
export function remoteNamesToLoopback(hostname: string, options: any, callback?: any): void {
  const done = typeof options === 'function' ? options : callback
  const all = typeof options === 'object' && options?.all
  if (!hostname.endsWith('.fr-remote.test')) {
    process.nextTick(
      done,
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
    )
    return
  }
  if (all) process.nextTick(done, null, [{ address: '127.0.0.1', family: 4 }])
  else process.nextTick(done, null, '127.0.0.1', 4)
}
