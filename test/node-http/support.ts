/**
 * Helpers for the node:http transport tests: a plain `http.request` client that reports what
 * Node's own client saw (status, headers, one entry per 'data' event), a self-signed loopback
 * https server made at test time, and a forwarding HTTP proxy that speaks absolute URIs.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'
import net, { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'

export interface NodeResponse {
  status: number
  headers: IncomingHttpHeaders
  /** One entry per 'data' event of the IncomingMessage. */
  chunks: string[]
  text: string
}

export interface SendOptions extends http.RequestOptions {
  /** Written piece by piece (each a separate `req.write`), the last one through `req.end(data)`. */
  pieces?: string[]
  secure?: boolean
}

export function send(url: string, options: SendOptions = {}): Promise<NodeResponse> {
  const { pieces = [], secure = url.startsWith('https:'), ...requestOptions } = options
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(url, requestOptions, (res) => {
      const chunks: string[] = []
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, text: chunks.join('') }),
      )
      res.on('error', reject)
    })
    request.on('error', reject)
    const expectsContinue = String(
      (requestOptions.headers as Record<string, unknown> | undefined)?.expect ?? '',
    ).includes('100-continue')
    const writeBody = () => {
      for (const piece of pieces.slice(0, -1)) request.write(piece)
      request.end(pieces.at(-1))
    }
    if (expectsContinue) request.on('continue', writeBody)
    else writeBody()
  })
}

export function chatBody(content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra })
}

export interface TlsFiles {
  key: Buffer
  cert: Buffer
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl now. */
export function selfSignedCertificate(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'fr-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,DNS:api.example.test,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface Listening {
  url: string
  close(): Promise<void>
}

/** An https server on 127.0.0.1 with `tls` that answers JSON describing the request. */
export async function startHttpsEcho(tls: TlsFiles): Promise<Listening> {
  const server = https.createServer(tls, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ secure: true, path: req.url, body: Buffer.concat(chunks).toString() }))
    })
  })
  return listen(server, 'https')
}

/**
 * A forward proxy as clients configured by HTTP(S)_PROXY expect: the request line carries the
 * absolute URI of the target; this one sends every request to `target` whatever host it names,
 * and tunnels every CONNECT to `tunnelTo` (a loopback TLS server) whatever host it names.
 */
export async function startForwardProxy(
  target: string,
  tunnelTo?: string,
): Promise<Listening & { seen: string[] }> {
  const seen: string[] = []
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '')
    const url = new URL(req.url ?? '/')
    const upstream = http.request(
      `${target}${url.pathname}${url.search}`,
      {
        method: req.method,
        headers: { ...req.headers, host: new URL(target).host },
        // Its own socket: this proxy runs inside the test's process, and is not the traffic under test.
        createConnection: () => net.connect(Number(new URL(target).port), new URL(target).hostname),
      } as http.RequestOptions,
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.on('connect', (req, client: Duplex, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`)
    if (!tunnelTo) return client.destroy()
    const { hostname, port } = new URL(tunnelTo)
    const upstream = net.connect(Number(port), hostname, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  const listening = await listen(server, 'http')
  return { ...listening, seen }
}

async function listen(server: http.Server | https.Server, scheme: string): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
