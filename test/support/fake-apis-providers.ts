/**
 * Gemini, Ollama and Cohere as their servers answer, fresh fields included: Gemini's
 * `responseId`, `createTime` and `x-goog-request-id`, CRLF-ended SSE events and `"key": value`
 * JSON spacing; Ollama's NDJSON with ISO `created_at` (nanoseconds, trailing zeros trimmed)
 * and `*_duration` timings; Cohere's uuid ids and `x-debug-trace-id`.
 */
import {
  answerPieces,
  type Ctx,
  isoNanos,
  isRecord,
  type Json,
  mintBase64url,
  mintDuration,
  mintHex,
  mintUuid,
  readJson,
  sendJson,
  sseEvent,
  str,
  streamAll,
  textOf,
  wordCount,
} from './fake-apis-util.js'

/** Google's spacing: a space after each key's colon, none after commas. */
function googleJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(googleJson).join(',')}]`
  if (isRecord(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${googleJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function geminiPrompt(body: Json): string {
  const contents = Array.isArray(body.contents) ? body.contents.filter(isRecord) : []
  const last = contents.at(-1)
  const parts = Array.isArray(last?.parts) ? last.parts.filter(isRecord) : []
  return parts.map((part) => str(part.text)).join('')
}

export async function gemini(ctx: Ctx, model: string, method: string): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const prompt = geminiPrompt(body)
  const pieces = answerPieces(`Echo: ${prompt}`, body.n_events)
  const responseId = mintBase64url(ctx, 23)
  const createTime = `${new Date(ctx.now() * 1000).toISOString().slice(0, 19)}.${mintHex(ctx, 6).replace(/\D/g, '7')}Z`
  const usage = (output: number) => ({
    promptTokenCount: wordCount(prompt),
    candidatesTokenCount: output,
    totalTokenCount: wordCount(prompt) + output,
  })
  const chunk = (text: string, done: boolean, output: number) => ({
    candidates: [
      { content: { parts: [{ text }], role: 'model' }, ...(done ? { finishReason: 'STOP' } : {}), index: 0 },
    ],
    usageMetadata: usage(output),
    modelVersion: model,
    createTime,
    responseId,
  })
  ctx.res.setHeader('x-goog-request-id', mintHex(ctx, 16))
  ctx.res.setHeader('server-timing', `gfet4t7; dur=${ctx.mintBytes(1)[0]}`)
  if (method === 'generateContent')
    return sendJson(ctx, 200, chunk(pieces.join(''), true, pieces.length), true)
  const events = pieces.map((text, i) => {
    const done = i === pieces.length - 1
    return `data: ${googleJson(chunk(text, done, done ? pieces.length : i + 1))}\r\n\r\n`
  })
  await streamAll(ctx, events, 'text/event-stream')
}

function ollamaPrompt(body: Json, endpoint: 'chat' | 'generate'): string {
  if (endpoint === 'generate') return str(body.prompt)
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : []
  return textOf(messages.findLast((m) => m.role === 'user')?.content)
}

export async function ollama(ctx: Ctx, endpoint: 'chat' | 'generate'): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const prompt = ollamaPrompt(body, endpoint)
  const pieces = answerPieces(`Echo: ${prompt}`, body.n_events)
  const model = str(body.model, 'llama3.2')
  const content = (text: string) =>
    endpoint === 'chat' ? { message: { role: 'assistant', content: text } } : { response: text }
  const timings = () => ({
    total_duration: mintDuration(ctx),
    load_duration: mintDuration(ctx),
    prompt_eval_count: wordCount(prompt),
    prompt_eval_duration: mintDuration(ctx),
    eval_count: pieces.length,
    eval_duration: mintDuration(ctx),
  })
  const final = (text: string) => ({
    model,
    created_at: isoNanos(ctx),
    ...content(text),
    done_reason: 'stop',
    done: true,
    ...(endpoint === 'generate' ? { context: pieces.map((_, i) => 128_000 + i * 17) } : {}),
    ...timings(),
  })
  if (body.stream === false) {
    const text = JSON.stringify(final(pieces.join('')))
    ctx.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    return void ctx.res.end(text)
  }
  const lines = pieces.map((text) =>
    JSON.stringify({ model, created_at: isoNanos(ctx), ...content(text), done: false }),
  )
  lines.push(JSON.stringify(final('')))
  await streamAll(
    ctx,
    lines.map((line) => `${line}\n`),
    'application/x-ndjson',
  )
}

export async function cohereChat(ctx: Ctx): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : []
  const prompt = textOf(messages.findLast((m) => m.role === 'user')?.content)
  const pieces = answerPieces(`Echo: ${prompt}`, body.n_events)
  const id = mintUuid(ctx)
  const tokens = { input_tokens: wordCount(prompt), output_tokens: pieces.length }
  const usage = { billed_units: tokens, tokens }
  ctx.res.setHeader('x-debug-trace-id', mintHex(ctx, 32))
  if (body.stream !== true) {
    const message = { role: 'assistant', content: [{ type: 'text', text: pieces.join('') }] }
    return sendJson(ctx, 200, { id, finish_reason: 'COMPLETE', message, usage })
  }
  const events: Array<Json & { type: string }> = [
    {
      type: 'message-start',
      id,
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    },
    { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
    ...pieces.map((text) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
    { type: 'content-end', index: 0 },
    { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage } },
  ]
  await streamAll(ctx, [...events.map(sseEvent), 'data: [DONE]\n\n'])
}
