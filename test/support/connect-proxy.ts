/**
 * A real HTTP proxy on loopback, as a corporate one behaves for undici's ProxyAgent: it answers
 * `CONNECT host:port` by opening a TCP connection there and piping both ways. It counts the
 * tunnels it opened, so a test can tell whether traffic went through it (and whether any
 * traffic left the process at all).
 */
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'

export interface ConnectProxy {
  url: string
  /** `host:port` of every tunnel opened, in order. */
  tunnels: string[]
  close(): Promise<void>
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((_request, response) => {
    // Only tunnels: a plain request to the proxy means the client did not use CONNECT.
    response.writeHead(405).end()
  })
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    const target = request.url ?? ''
    tunnels.push(target)
    const [host, port] = target.split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      client.pipe(upstream).pipe(client)
    })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    }
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
