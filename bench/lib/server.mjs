/** The live loopback server: node:http, answers every workload route with the shared bytes. */
import { createServer } from 'node:http'
import { route } from './data.mjs'

export async function startServer(port) {
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const found = route(new URL(req.url, 'http://x').pathname)
      if (!found || req.method !== 'POST' || Buffer.concat(chunks).length === 0) {
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end(`no route for ${req.method} ${req.url}`)
        return
      }
      res.writeHead(200, found.headers)
      if (found.chunks.length === 1) {
        res.end(found.chunks[0])
      } else {
        for (const chunk of found.chunks) res.write(chunk)
        res.end()
      }
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
