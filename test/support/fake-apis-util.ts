import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface FakeApiState {
  // Read on every request so a test can flip randomIds on a running server.
  options: { randomIds?: boolean; streamEndGapMs?: number | [number, number]; outage?: boolean }
  responseIds: Set<string>
  files: Map<string, { filename: string; bytes: number }>
  vectorStores: Map<string, string[]>
  flakySeen: Set<string>
}

export interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  body: Buffer
  state: FakeApiState
  mintId(prefix: string, seed?: string): string
  /** Fresh random bytes (reproducible ones with randomIds:false), for other id shapes. */
  mintBytes(length: number): Buffer
  now(): number
}

export type Json = Record<string, unknown>

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
// A fixed clock keeps randomIds:false responses byte-identical across runs.
const FIXED_NOW = 1_700_000_000

function toAlnum(bytes: Buffer, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i % bytes.length] ?? 0) % ALPHABET.length]
  return out
}

export function createCtx(req: IncomingMessage, res: ServerResponse, body: Buffer, state: FakeApiState): Ctx {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const random = state.options.randomIds !== false
  const requestSeed = `${req.method} ${url.pathname}\n${body.toString('latin1')}`
  // Counting per request lets one response carry several distinct yet reproducible ids.
  let minted = 0
  return {
    req,
    res,
    url,
    body,
    state,
    mintId(prefix, seed) {
      if (random) return prefix + toAlnum(randomBytes(24), 24)
      const digest = createHash('sha256')
        .update(`${seed ?? requestSeed}#${minted++}`)
        .digest()
      return prefix + toAlnum(digest, 24)
    },
    mintBytes(length) {
      if (random) return randomBytes(length)
      const digest = createHash('sha512').update(`${requestSeed}#bytes${minted++}`).digest()
      return Buffer.concat([digest, digest]).subarray(0, length)
    },
    now: () => (random ? Math.floor(Date.now() / 1000) : FIXED_NOW),
  }
}

export const mintHex = (ctx: Ctx, length: number): string =>
  ctx
    .mintBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length)

export function mintUuid(ctx: Ctx): string {
  const hex = mintHex(ctx, 32)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
}

/** Gemini's responseId: base64url, `-` and `_` included. */
export const mintBase64url = (ctx: Ctx, length: number): string =>
  ctx.mintBytes(length).toString('base64url').slice(0, length)

/** A random length of random letters: what OpenAI pads streamed chunks with (`obfuscation`). */
export function mintPadding(ctx: Ctx): string {
  const [length = 4] = ctx.mintBytes(1)
  return toAlnum(ctx.mintBytes(24), 1 + (length % 16))
}

/** ISO time with nanoseconds, trailing zeros trimmed as Go prints it (Ollama's `created_at`). */
export function isoNanos(ctx: Ctx): string {
  const base = new Date(ctx.now() * 1000).toISOString().slice(0, 19)
  const fraction = String(ctx.mintBytes(4).readUInt32BE() % 1_000_000_000)
    .padStart(9, '0')
    .replace(/0+$/, '')
  return `${base}${fraction ? `.${fraction}` : ''}Z`
}

/** A timing that differs on every call (nanoseconds), reproducible with randomIds:false. */
export const mintDuration = (ctx: Ctx): number => 1_000_000 + (ctx.mintBytes(4).readUInt32BE() % 900_000_000)

export function sendJson(ctx: Ctx, status: number, body: unknown, pretty = false): void {
  const text = pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body)
  ctx.res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  ctx.res.end(text)
}

export function sendOpenAiError(
  ctx: Ctx,
  status: number,
  message: string,
  extra: { type?: string; param?: string | null; code?: string | null } = {},
): void {
  const error = {
    message,
    type: extra.type ?? 'invalid_request_error',
    param: extra.param ?? null,
    code: extra.code ?? null,
  }
  sendJson(ctx, status, { error }, true)
}

export function readJson(ctx: Ctx): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(ctx.body.toString('utf8'))
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json
  } catch {
    // Falls through to the 400 below, which is what the real APIs answer.
  }
  sendOpenAiError(ctx, 400, 'We could not parse the JSON body of your request.')
  return undefined
}

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback
}

// Message content is either a plain string or an array of typed parts across all three APIs.
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .filter(isRecord)
    .map((part) => str(part.text))
    .join('')
}

// Splits so that joining the pieces restores the text exactly, whitespace included.
export function splitWords(text: string): string[] {
  return text.split(/(?<=\s)(?=\S)/)
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length
}

export function answerPieces(text: string, nEvents: unknown): string[] {
  if (typeof nEvents === 'number' && Number.isInteger(nEvents) && nEvents >= 0) {
    return Array.from({ length: nEvents }, (_, i) => (i === 0 ? `w${i}` : ` w${i}`))
  }
  return splitWords(text)
}

export const sseData = (data: unknown): string =>
  `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`

export const sseEvent = (data: Json & { type: string }): string =>
  `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

// Resolves once the chunk reached the socket, or false when the client went away.
export function writeChunk(res: ServerResponse, chunk: string | Buffer): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onClose = (): void => resolve(false)
    res.once('close', onClose)
    res.write(chunk, (err) => {
      res.off('close', onClose)
      resolve(!err)
    })
  })
}

export function startStream(ctx: Ctx, contentType = 'text/event-stream; charset=utf-8'): void {
  ctx.res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' })
}

// One write per event with a macrotask between them, so clients really see separate reads.
export async function writeEach(ctx: Ctx, chunks: Iterable<string>): Promise<boolean> {
  for (const chunk of chunks) {
    if (!(await writeChunk(ctx.res, chunk))) return false
    await tick()
  }
  return true
}

/**
 * The last event goes out with the end of the body, in one write: SDKs that stop reading at
 * their terminator (`[DONE]`) then never race the end. With `streamEndGapMs`, the last event
 * goes out on its own and the end follows after the gap, as over a real network (the wire
 * layer drains such bodies: test/wire/cancel-after-end.test.ts).
 */
export async function streamAll(ctx: Ctx, chunks: Iterable<string>, contentType?: string): Promise<void> {
  startStream(ctx, contentType)
  const gap = endGapOf(ctx.state.options.streamEndGapMs)
  if (gap === undefined) {
    const all = [...chunks]
    const last = all.pop()
    if (await writeEach(ctx, all)) ctx.res.end(last)
    return
  }
  if (!(await writeEach(ctx, chunks))) return
  if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap))
  ctx.res.end()
}

/** Undefined when no gap is asked for: then the last event goes out with the end. */
function endGapOf(gap: number | [number, number] | undefined): number | undefined {
  if (gap === undefined || typeof gap === 'number') return gap
  const [min, max] = gap
  return min + Math.floor(Math.random() * (max - min + 1))
}
