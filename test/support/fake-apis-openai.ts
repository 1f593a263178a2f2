/**
 * More of OpenAI's API: Responses streaming (with the random `obfuscation` padding on every
 * delta), embeddings (floats or base64, as the SDK asks), file retrieval and ephemeral
 * Realtime keys (an `expires_at` in the future).
 */
import { createHash } from 'node:crypto'
import {
  type Ctx,
  type Json,
  mintPadding,
  readJson,
  sendJson,
  sendOpenAiError,
  splitWords,
  sseEvent,
  str,
  streamAll,
} from './fake-apis-util.js'

export async function streamResponse(ctx: Ctx, response: Json, text: string): Promise<void> {
  const [message] = response.output as Json[]
  const itemId = String(message?.id)
  const inProgress = { ...response, status: 'in_progress', output: [], output_text: undefined, usage: null }
  const at = { item_id: itemId, output_index: 0, content_index: 0 }
  const part = (partText: string) => ({ type: 'output_text', annotations: [], logprobs: [], text: partText })
  const events: Array<Json & { type: string }> = [
    { type: 'response.created', response: inProgress },
    { type: 'response.in_progress', response: inProgress },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { id: itemId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
    },
    { type: 'response.content_part.added', ...at, part: part('') },
    ...splitWords(text).map((delta) => ({
      type: 'response.output_text.delta',
      ...at,
      delta,
      logprobs: [],
      obfuscation: mintPadding(ctx),
    })),
    { type: 'response.output_text.done', ...at, text, logprobs: [] },
    { type: 'response.content_part.done', ...at, part: part(text) },
    {
      type: 'response.output_item.done',
      output_index: 0,
      item: { ...message, content: [part(text)] },
    },
    { type: 'response.completed', response },
  ]
  await streamAll(
    ctx,
    events.map((event, sequence) =>
      sseEvent({ ...event, sequence_number: sequence } as Json & { type: string }),
    ),
  )
}

/** A vector that depends on the text only: data, not a fresh value (real embeddings are too). */
function vectorOf(text: string, dimensions: number): number[] {
  const values: number[] = []
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${text}#${block}`).digest()
    for (let i = 0; i + 4 <= digest.length && values.length < dimensions; i += 4) {
      const unit = digest.readUInt32BE(i) / 0xffffffff
      values.push(Math.round((unit - 0.5) * 0.2 * 1e10) / 1e10)
    }
  }
  return values
}

export async function embeddings(ctx: Ctx): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [str(body.input)]
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 1536
  const data = inputs.map((input, index) => {
    const vector = vectorOf(input, dimensions)
    const embedding =
      body.encoding_format === 'base64'
        ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
        : vector
    return { object: 'embedding', index, embedding }
  })
  const tokens = inputs.reduce((sum, input) => sum + input.split(/\s+/).filter(Boolean).length, 0)
  sendJson(ctx, 200, {
    object: 'list',
    data,
    model: str(body.model, 'text-embedding-3-small'),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  })
}

export function retrieveFile(ctx: Ctx, id: string): void {
  const file = ctx.state.files.get(id)
  if (!file) {
    sendOpenAiError(ctx, 404, `No such File object: ${id}`, { param: 'id' })
    return
  }
  sendJson(ctx, 200, {
    object: 'file',
    id,
    purpose: 'assistants',
    filename: file.filename,
    bytes: file.bytes,
    created_at: ctx.now(),
    expires_at: null,
    status: 'processed',
    status_details: null,
  })
}

/** An ephemeral Realtime key: valid for 10 minutes from now, by the real clock. */
export async function clientSecret(ctx: Ctx): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const session = body.session && typeof body.session === 'object' ? (body.session as Json) : {}
  sendJson(ctx, 200, {
    value: ctx.mintId('ek_'),
    expires_at: Math.floor(Date.now() / 1000) + 600,
    session: { type: 'realtime', object: 'realtime.session', id: ctx.mintId('sess_'), ...session },
  })
}
