import { STATUS_CODES } from 'node:http'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import {
  type Ctx,
  sendJson,
  sendOpenAiError,
  sseData,
  startStream,
  streamAll,
  writeEach,
} from './fake-apis-util.js'

const COMPRESSORS = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
} as const

export type Encoding = keyof typeof COMPRESSORS

export function compressedPayload(encoding: Encoding): unknown {
  return {
    encoding,
    message: `Hello from a ${encoding} body`,
    items: Array.from({ length: 40 }, (_, i) => ({ index: i, word: `item-${i}` })),
  }
}

// Always compressed, whatever accept-encoding says: the recorder has to cope with what servers send.
export function compressedJson(ctx: Ctx, encoding: Encoding): void {
  const compressed = COMPRESSORS[encoding](Buffer.from(JSON.stringify(compressedPayload(encoding))))
  ctx.res.writeHead(200, {
    'content-type': 'application/json',
    'content-encoding': encoding,
    'content-length': compressed.length,
  })
  ctx.res.end(compressed)
}

export function binaryBytes(): Buffer {
  const bytes = Buffer.alloc(4096)
  // A full-period LCG visits every byte value, so lone continuation bytes make it invalid UTF-8.
  let x = 7
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 45 + 11) & 0xff
    bytes[i] = x
  }
  return bytes
}

export function binary(ctx: Ctx): void {
  const bytes = binaryBytes()
  ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length })
  ctx.res.end(bytes)
}

const ERROR_CODES: Record<number, { type: string; code: string }> = {
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: 'internal_error' },
  503: { type: 'server_error', code: 'service_unavailable' },
}

export function status(ctx: Ctx, code: number): void {
  if (code === 204 || code === 304) {
    ctx.res.writeHead(code)
    ctx.res.end()
    return
  }
  if (code < 400) {
    sendJson(ctx, code, { status: code })
    return
  }
  if (code === 429) ctx.res.setHeader('retry-after', '1')
  const known = ERROR_CODES[code] ?? { type: 'invalid_request_error', code: `http_${code}` }
  const message =
    code === 429
      ? 'Rate limit reached for requests. Please try again in 1s.'
      : `${STATUS_CODES[code] ?? 'Error'} (fake upstream)`
  sendOpenAiError(ctx, code, message, known)
}

/**
 * Framings whose body never reaches the declared content-length. A 204/205/304 may carry one
 * (for a 304 it is the length of the representation the client already has) and has no body
 * by definition; undici still checks the count and fails the response after its headers.
 */
export function framing(ctx: Ctx, kind: string): void {
  const declared = { etag: '"abc"', 'content-length': '5000' }
  const code = Number(kind.replace('bodiless-', ''))
  if (code === 204 || code === 205 || code === 304) {
    ctx.res.writeHead(code, declared)
    ctx.res.end()
  } else if (kind === 'head') {
    ctx.res.writeHead(200, { ...declared, 'content-type': 'application/json' })
    ctx.res.end()
  } else if (kind === 'short-body') {
    ctx.res.writeHead(200, { ...declared, 'content-type': 'text/plain' })
    // Ten bytes of the five thousand promised, then the connection goes.
    ctx.res.write('0123456789', () => ctx.req.socket.destroy())
  } else if (kind === 'early-hints') {
    ctx.res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    sendJson(ctx, 200, { after: 'early hints' })
  } else {
    sendJson(ctx, 404, { unknown: kind })
  }
}

export function echoKey(ctx: Ctx): void {
  const header = (name: string): string | null => {
    const value = ctx.req.headers[name]
    return Array.isArray(value) ? value.join(', ') : (value ?? null)
  }
  sendJson(ctx, 200, {
    authorization: header('authorization'),
    'x-api-key': header('x-api-key'),
    key: ctx.url.searchParams.get('key'),
  })
}

/**
 * `GET /session`: a login answer as real APIs send one. Three set-cookie lines: a fresh random
 * session token (a credential), Cloudflare's `__cf_bm` with an `expires` 30 minutes ahead (on
 * every OpenAI answer), and a plain preference cookie.
 */
export function sessionCookies(ctx: Ctx): void {
  const expires = new Date(ctx.now() * 1000 + 30 * 60_000).toUTCString()
  ctx.res.setHeader('set-cookie', [
    `session=${ctx.mintBytes(24).toString('base64url')}; Path=/; HttpOnly; Secure; SameSite=Lax`,
    `__cf_bm=${ctx.mintBytes(32).toString('hex')}-1700000000-1.0.1.1; path=/; expires=${expires}; domain=.example.test; HttpOnly; Secure; SameSite=None`,
    'theme=dark; Path=/; Max-Age=31536000',
  ])
  sendJson(ctx, 200, { ok: true })
}

const faultEvent = (i: number): string => sseData({ index: i, text: `event ${i}` })

export async function resetMidStream(ctx: Ctx): Promise<void> {
  startStream(ctx)
  // Each write waits for the socket, so all three events are on the wire before the reset.
  if (await writeEach(ctx, [0, 1, 2].map(faultEvent))) ctx.req.socket.destroy()
}

export function closeBeforeHeaders(ctx: Ctx): void {
  ctx.req.socket.destroy()
}

export async function stall(ctx: Ctx): Promise<void> {
  startStream(ctx)
  // Deliberately never ends; FakeApi.close() destroys the socket.
  await writeEach(ctx, [faultEvent(0)])
}

export const BIG_EVENT_BYTES = 1024 * 1024

export async function bigEvent(ctx: Ctx): Promise<void> {
  const payload = 'abcdefghijklmnopqrstuvwxyz012345'.repeat(BIG_EVENT_BYTES / 32)
  await streamAll(ctx, [sseData({ payload }), sseData('[DONE]')])
}

export async function ndjson(ctx: Ctx): Promise<void> {
  const createdAt = new Date(ctx.now() * 1000).toISOString()
  const words = ['Hello', ' from', ' a', ' local', ' model']
  const lines = words.map((content, i) => {
    const done = i === words.length - 1
    const line = {
      model: 'llama3.2',
      created_at: createdAt,
      message: { role: 'assistant', content },
      done,
      ...(done ? { done_reason: 'stop', eval_count: words.length } : {}),
    }
    return `${JSON.stringify(line)}\n`
  })
  await streamAll(ctx, lines, 'application/x-ndjson')
}
