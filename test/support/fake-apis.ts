import { randomBytes, randomInt } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { bedrockConverse, bedrockConverseStream } from './fake-apis-bedrock.js'
import { anthropicMessages, chatCompletions } from './fake-apis-chat.js'
import {
  bigEvent,
  binary,
  closeBeforeHeaders,
  compressedJson,
  echoKey,
  framing,
  ndjson,
  resetMidStream,
  sessionCookies,
  stall,
  status,
} from './fake-apis-misc.js'
import { clientSecret, embeddings, retrieveFile } from './fake-apis-openai.js'
import { cohereChat, gemini, ollama } from './fake-apis-providers.js'
import { createVectorStore, responses, searchVectorStore, uploadFile } from './fake-apis-store.js'
import { type Ctx, createCtx, type FakeApiState, sendOpenAiError } from './fake-apis-util.js'

export interface RecordedRequest {
  method: string
  /** Path including the query string, exactly as the client sent it. */
  path: string
  headers: Record<string, string>
  body: Buffer
}

export interface FakeApiOptions {
  /** Default true: mint fresh random ids and timestamps on every response. */
  randomIds?: boolean
  /**
   * A pause, in ms, between a stream's last event and the end of its body: a fixed value, or
   * [min, max] for a fresh random one per stream (over a real network the end often comes later).
   */
  streamEndGapMs?: number | [number, number]
  /** Every request gets a 500, as from an API in an outage (live: flip it on a running server). */
  outage?: boolean
}

export interface FakeApi {
  url: string
  port: number
  requests: RecordedRequest[]
  close(): Promise<void>
  /** Live: changing randomIds here affects the next request. */
  options: FakeApiOptions
}

type Handler = (ctx: Ctx, match: RegExpExecArray) => void | Promise<void>

async function flaky(ctx: Ctx): Promise<void> {
  // Keyed by body because SDK retries resend the same body, while a new test sends a new one.
  const key = ctx.body.toString('latin1')
  if (!ctx.state.flakySeen.has(key)) {
    ctx.state.flakySeen.add(key)
    return sendOpenAiError(ctx, 500, 'The server had an error while processing your request.', {
      type: 'server_error',
    })
  }
  return chatCompletions(ctx)
}

/** Mistral's SDK calls the same path as OpenAI's; its server mints other ids. */
const chatFlavorOf = (ctx: Ctx) =>
  /mistral/.test(ctx.req.headers['user-agent'] ?? '') ? 'mistral' : 'openai'

const ROUTES: Array<[method: string, pattern: RegExp, handler: Handler]> = [
  ['POST', /^\/v1\/chat\/completions$/, (ctx) => chatCompletions(ctx, chatFlavorOf(ctx))],
  ['POST', /^\/openai\/v1\/chat\/completions$/, (ctx) => chatCompletions(ctx, 'groq')],
  ['POST', /^\/v1\/embeddings$/, embeddings],
  ['GET', /^\/v1\/files\/([^/]+)$/, (ctx, m) => retrieveFile(ctx, m[1] ?? '')],
  ['POST', /^\/v1\/realtime\/client_secrets$/, clientSecret],
  [
    'POST',
    /^\/v1(?:beta)?\/models\/([^:/]+):(generateContent|streamGenerateContent)$/,
    (ctx, m) => gemini(ctx, m[1] ?? '', m[2] ?? ''),
  ],
  ['POST', /^\/api\/(chat|generate)$/, (ctx, m) => ollama(ctx, m[1] === 'chat' ? 'chat' : 'generate')],
  ['POST', /^\/v2\/chat$/, cohereChat],
  ['POST', /^\/v1\/messages$/, anthropicMessages],
  ['POST', /^\/v1\/responses$/, responses],
  ['POST', /^\/v1\/files$/, uploadFile],
  ['POST', /^\/v1\/vector_stores$/, createVectorStore],
  ['POST', /^\/v1\/vector_stores\/([^/]+)\/search$/, (ctx, m) => searchVectorStore(ctx, m[1] ?? '')],
  ['POST', /^\/flaky\/chat\/completions$/, flaky],
  ['GET', /^\/gzip\.json$/, (ctx) => compressedJson(ctx, 'gzip')],
  ['GET', /^\/deflate\.json$/, (ctx) => compressedJson(ctx, 'deflate')],
  ['GET', /^\/br\.json$/, (ctx) => compressedJson(ctx, 'br')],
  ['GET', /^\/binary$/, binary],
  ['*', /^\/status\/([1-5]\d\d)$/, (ctx, m) => status(ctx, Number(m[1]))],
  ['GET', /^\/echo-key$/, echoKey],
  ['GET', /^\/session$/, sessionCookies],
  ['*', /^\/framing\/([a-z0-9-]+)$/, (ctx, m) => framing(ctx, m[1] ?? '')],
  ['GET', /^\/fault\/reset-mid-stream$/, resetMidStream],
  ['GET', /^\/fault\/close-before-headers$/, closeBeforeHeaders],
  ['GET', /^\/fault\/stall$/, stall],
  ['GET', /^\/fault\/big-event$/, bigEvent],
  ['*', /^\/ndjson$/, ndjson],
  ['POST', /^\/model\/[^/]+\/converse$/, bedrockConverse],
  ['POST', /^\/model\/[^/]+\/converse-stream$/, bedrockConverseStream],
]

/** The key the fake treats as expired, as the real APIs answer one: 401 before anything else. */
export const EXPIRED_KEY = 'sk-expired'

function route(ctx: Ctx): void | Promise<void> {
  const method = ctx.req.method ?? 'GET'
  if (ctx.state.options.outage) {
    return sendOpenAiError(ctx, 500, 'The server had an error while processing your request.', {
      type: 'server_error',
    })
  }
  if (ctx.req.headers.authorization === `Bearer ${EXPIRED_KEY}`) {
    return sendOpenAiError(ctx, 401, `Incorrect API key provided: ${EXPIRED_KEY}.`, {
      code: 'invalid_api_key',
    })
  }
  for (const [routeMethod, pattern, handler] of ROUTES) {
    const match = pattern.exec(ctx.url.pathname)
    if (match && (routeMethod === '*' || routeMethod === method)) return handler(ctx, match)
  }
  sendOpenAiError(ctx, 404, `Unknown request URL: ${method} ${ctx.url.pathname}.`, { code: 'unknown_url' })
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

// Always random, even with randomIds:false: recordings must cope with headers that never repeat.
function setVolatileHeaders(res: ServerResponse): void {
  res.setHeader('x-request-id', `req_${randomBytes(16).toString('hex')}`)
  res.setHeader('openai-processing-ms', String(randomInt(5, 900)))
  res.setHeader('date', new Date().toUTCString())
  res.setHeader('x-ratelimit-limit-requests', '500')
  res.setHeader('x-ratelimit-remaining-requests', '499')
  res.setHeader('x-ratelimit-reset-requests', `${randomInt(1, 1000)}ms`)
}

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const liveOptions: FakeApiOptions = { ...options, randomIds: options.randomIds ?? true }
  const state: FakeApiState = {
    options: liveOptions,
    responseIds: new Set(),
    files: new Map(),
    vectorStores: new Map(),
    flakySeen: new Set(),
  }
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: flattenHeaders(req), body })
    setVolatileHeaders(res)
    await route(createCtx(req, res, body, state))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A client that vanished mid-request is routine for the fault tests; anything else is a fake bug.
      if (res.headersSent || req.socket.destroyed) {
        res.destroy()
        return
      }
      sendOpenAiError(createCtx(req, res, Buffer.alloc(0), state), 500, `Fake API crashed: ${String(err)}`)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      // server.close() alone waits for keep-alive and stalled streams to end on their own.
      for (const socket of sockets) socket.destroy()
    })
    return closing
  }

  return { url: `http://127.0.0.1:${port}`, port, requests, close, options: liveOptions }
}
