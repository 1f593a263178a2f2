import {
  answerPieces,
  type Ctx,
  isRecord,
  type Json,
  mintHex,
  mintPadding,
  mintUuid,
  readJson,
  sendJson,
  sendOpenAiError,
  sseData,
  sseEvent,
  str,
  streamAll,
  textOf,
  wordCount,
} from './fake-apis-util.js'

type Reply =
  | { kind: 'text'; text: string; pieces: string[] }
  | { kind: 'tool'; callId: string; name: string; args: string }

function lastUserText(messages: Json[]): string {
  const lastUser = messages.findLast((m) => m.role === 'user')
  return textOf(lastUser?.content)
}

function promptTokens(messages: Json[]): number {
  return messages.reduce((sum, m) => sum + wordCount(textOf(m.content)), 0)
}

// n_events replaces the answer so that the non-stream text always equals the joined stream.
function textReply(answer: string, nEvents: unknown): Reply {
  const pieces = answerPieces(answer, nEvents)
  return { kind: 'text', text: pieces.join(''), pieces }
}

function chatReply(ctx: Ctx, body: Json, messages: Json[]): Reply {
  const last = messages.at(-1)
  if (last?.role === 'tool') {
    const callId = str(last.tool_call_id)
    return textReply(`Tool result for ${callId}: ${textOf(last.content)}`, body.n_events)
  }
  const firstTool = Array.isArray(body.tools) ? body.tools.find(isRecord) : undefined
  if (firstTool && last?.role === 'user') {
    const fn = isRecord(firstTool.function) ? firstTool.function : {}
    return {
      kind: 'tool',
      callId: ctx.mintId('call_'),
      name: str(fn.name, 'tool'),
      args: JSON.stringify({ q: lastUserText(messages) }),
    }
  }
  return textReply(`Echo: ${lastUserText(messages)}`, body.n_events)
}

/** OpenAI itself, or an API that speaks its Chat Completions dialect with its own fresh fields. */
export type ChatFlavor = 'openai' | 'mistral' | 'groq'

/** What each chunk of a stream carries besides the answer: random padding, Groq's request id. */
type Decorate = (chunk: Json, last: boolean) => Json

function* chatChunks(
  body: Json,
  base: Json,
  reply: Reply,
  usage: Json,
  decorate: Decorate,
): Generator<string> {
  const chunk = (delta: Json, finishReason: string | null = null): string =>
    sseData(
      decorate(
        { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] },
        finishReason !== null,
      ),
    )
  if (reply.kind === 'tool') {
    yield chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: reply.callId, type: 'function', function: { name: reply.name, arguments: '' } },
      ],
    })
    // Real argument deltas arrive in fragments, so clients have to concatenate them.
    for (const piece of reply.args.match(/[\s\S]{1,6}/g) ?? []) {
      yield chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] })
    }
    yield chunk({}, 'tool_calls')
  } else {
    let first = true
    for (const content of reply.pieces) {
      yield chunk(first ? { role: 'assistant', content } : { content })
      first = false
    }
    yield chunk({}, 'stop')
  }
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {}
  if (streamOptions.include_usage === true) yield sseData(decorate({ ...base, choices: [], usage }, false))
  yield sseData('[DONE]')
}

export async function chatCompletions(ctx: Ctx, flavor: ChatFlavor = 'openai'): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  if (!Array.isArray(body.messages)) {
    return sendOpenAiError(ctx, 400, "Missing required parameter: 'messages'.", { param: 'messages' })
  }
  // A slow model: `delay_ms` holds the response headers back (a request that outlives its test).
  if (typeof body.delay_ms === 'number')
    await new Promise((resolve) => setTimeout(resolve, body.delay_ms as number))
  const messages = body.messages.filter(isRecord)
  const reply = chatReply(ctx, body, messages)
  const completionTokens = reply.kind === 'text' ? reply.pieces.length : wordCount(reply.args)
  const prompt = promptTokens(messages)
  const usage: Json = {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
    ...(flavor === 'groq' ? groqTimings(ctx) : {}),
  }
  const base = {
    id:
      flavor === 'mistral'
        ? mintHex(ctx, 32)
        : flavor === 'groq'
          ? `chatcmpl-${mintUuid(ctx)}`
          : ctx.mintId('chatcmpl-'),
    object: body.stream === true ? 'chat.completion.chunk' : 'chat.completion',
    created: ctx.now(),
    model: str(body.model, 'gpt-fake'),
    ...(flavor === 'openai' ? { system_fingerprint: 'fp_fake' } : {}),
  }
  const groqId = flavor === 'groq' ? { id: ctx.mintId('req_') } : undefined
  if (body.stream === true) {
    const decorate: Decorate = (chunk, last) => {
      if (flavor === 'openai') return { ...chunk, obfuscation: mintPadding(ctx) }
      if (groqId && last) return { ...chunk, x_groq: { ...groqId, usage } }
      return groqId ? { ...chunk, x_groq: groqId } : chunk
    }
    return streamAll(ctx, chatChunks(body, base, reply, usage, decorate))
  }
  const message =
    reply.kind === 'text'
      ? { role: 'assistant', content: reply.text, refusal: null, annotations: [] }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            { id: reply.callId, type: 'function', function: { name: reply.name, arguments: reply.args } },
          ],
        }
  const finishReason = reply.kind === 'text' ? 'stop' : 'tool_calls'
  const choices = [{ index: 0, message, logprobs: null, finish_reason: finishReason }]
  const extra = groqId ? { x_groq: groqId } : { service_tier: 'default' }
  sendJson(ctx, 200, { ...base, choices, usage, ...extra }, true)
}

/** Groq reports how long each phase took, in seconds: different on every call. */
function groqTimings(ctx: Ctx): Json {
  const [a = 1, b = 2, c = 3] = ctx.mintBytes(3)
  return {
    queue_time: a / 10_000,
    prompt_time: b / 100_000,
    completion_time: c / 1_000,
    total_time: (a + b + c) / 1_000,
  }
}

function sendAnthropicError(ctx: Ctx, status: number, message: string): void {
  sendJson(ctx, status, { type: 'error', error: { type: 'invalid_request_error', message } })
}

function* messageEvents(message: Json, pieces: string[]): Generator<string> {
  yield sseEvent({ type: 'message_start', message: { ...message, content: [], stop_reason: null } })
  yield sseEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
  for (const text of pieces) {
    yield sseEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })
  }
  yield sseEvent({ type: 'content_block_stop', index: 0 })
  yield sseEvent({
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: pieces.length },
  })
  yield sseEvent({ type: 'message_stop' })
}

export async function anthropicMessages(ctx: Ctx): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  if (!Array.isArray(body.messages)) return sendAnthropicError(ctx, 400, 'messages: Field required')
  const messages = body.messages.filter(isRecord)
  const text = `Echo: ${lastUserText(messages)}`
  const pieces = answerPieces(text, body.n_events)
  const message = {
    id: ctx.mintId('msg_'),
    type: 'message',
    role: 'assistant',
    model: str(body.model, 'claude-fake'),
    content: [{ type: 'text', text: pieces.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: promptTokens(messages), output_tokens: pieces.length },
  }
  // Anthropic's per-request id, which its SDK exposes as `_request_id`.
  ctx.res.setHeader('request-id', ctx.mintId('req_011C'))
  if (body.stream === true) return streamAll(ctx, messageEvents(message, pieces))
  sendJson(ctx, 200, message)
}
