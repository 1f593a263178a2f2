/**
 * The test process's end of the relay: a loopback HTTP server that takes the requests an app
 * server made while handling a test's request, and hands each to the test process's own
 * dispatcher bound to that test, as if the test had made it. Matching, recording, secrets, ids,
 * the miss diff and the writes are the core's; this module only moves requests and events.
 *
 * Refused: anything not from loopback, without this process's token, to another path, or for
 * a test this process does not know (any more). The server never keeps the process alive.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { RecordingError, shownError } from '../../errors.js'
import { missAnswerOf } from '../../wire/miss-answer.js'
import {
  encodeTag,
  RELAY_PATH,
  RELAY_TARGET_HEADER,
  RELAY_TEST_HEADER,
  RELAY_TOKEN_HEADER,
} from './header.js'
import { relayedRequestHeaders, responseWriter, writeAnswer } from './relay-response.js'

export interface RelayServerOptions<Run> {
  /** Dispatches one relayed request (undici dispatch options, a handler) bound to `run`. */
  dispatch(run: Run, options: any, handler: any): void
  /** The run's one redaction (RunSecrets.shown): every answer the relay gives goes through it. */
  shown(text: string): string
  /** A URL as an answer may show it: credential parameters removed, then `shown`. */
  shownUrl(url: string): string
}

export class RelayServer<Run> {
  private readonly token = randomBytes(32).toString('hex')
  private readonly runs = new Map<string, Run>()
  private readonly handles = new Map<Run, string>()
  private readonly server: Server
  private address: Promise<string> | undefined

  constructor(private readonly options: RelayServerOptions<Run>) {
    this.server = createServer((req, res) => this.serve(req, res))
    this.server.on('connection', (socket) => socket.unref())
  }

  /** The attribution header value for requests `run` makes to an app server. */
  async tagFor(run: Run): Promise<string> {
    let handle = this.handles.get(run)
    if (!handle) {
      handle = randomBytes(16).toString('hex')
      this.handles.set(run, handle)
      this.runs.set(handle, run)
    }
    return encodeTag({ relay: await this.listen(), token: this.token, test: handle })
  }

  /** The test ended: requests relayed for it from now on are refused. */
  forget(run: Run): void {
    const handle = this.handles.get(run)
    if (handle === undefined) return
    this.handles.delete(run)
    this.runs.delete(handle)
  }

  async close(): Promise<void> {
    if (!this.address) return
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private listen(): Promise<string> {
    this.address ??= new Promise((resolve, reject) => {
      this.server.once('error', reject)
      // 127.0.0.1 only: the relay is never reachable from another machine.
      this.server.listen(0, '127.0.0.1', () => {
        this.server.unref()
        resolve(`127.0.0.1:${(this.server.address() as AddressInfo).port}`)
      })
    })
    return this.address
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const refusal = this.refusalOf(req)
    if (refusal) {
      req.resume()
      res.writeHead(refusal.status, { 'content-type': 'text/plain' }).end(refusal.message)
      return
    }
    const run = this.runs.get(String(req.headers[RELAY_TEST_HEADER]))
    const target = targetOf(req.headers[RELAY_TARGET_HEADER])
    if (run === undefined || !target) {
      req.resume()
      const error = run === undefined ? endedTestError(target, this.options.shownUrl) : badTargetError(req)
      writeAnswer(res, missAnswerOf(shownError(error, this.options.shown)))
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const options = {
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: req.method ?? 'GET',
        headers: relayedRequestHeaders(req.rawHeaders),
        body: Buffer.concat(chunks),
      }
      this.options.dispatch(run, options, responseWriter(res, this.options.shown))
    })
  }

  private refusalOf(req: IncomingMessage): { status: number; message: string } | undefined {
    const remote = req.socket.remoteAddress
    if (remote !== '127.0.0.1' && remote !== '::ffff:127.0.0.1') {
      return { status: 403, message: 'fetch-recordings relay: loopback only' }
    }
    if (req.url !== RELAY_PATH) return { status: 404, message: 'fetch-recordings relay: unknown path' }
    const token = req.headers[RELAY_TOKEN_HEADER]
    if (typeof token !== 'string' || !sameSecret(token, this.token)) {
      return { status: 403, message: 'fetch-recordings relay: wrong or missing token' }
    }
    return undefined
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function targetOf(value: string | string[] | undefined): URL | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

function endedTestError(target: URL | undefined, shownUrl: (url: string) => string): RecordingError {
  return new RecordingError(
    'RELAY_REFUSED',
    `An app server relayed a request (${target ? shownUrl(target.href) : 'unknown URL'}) for a test that has already ended, so it cannot be recorded. Make the test wait for the app's response (await it, read its body to the end) before it finishes.`,
  )
}

function badTargetError(req: IncomingMessage): RecordingError {
  return new RecordingError(
    'RELAY_REFUSED',
    `An app server relayed a request without a valid target URL (${String(req.headers[RELAY_TARGET_HEADER])}). Use the same fetch-recordings version in the app and in the tests.`,
  )
}
