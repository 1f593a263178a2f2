import { createHash } from 'node:crypto'
import { streamResponse } from './fake-apis-openai.js'
import {
  type Ctx,
  isRecord,
  readJson,
  sendJson,
  sendOpenAiError,
  str,
  textOf,
  wordCount,
} from './fake-apis-util.js'

function responseInputText(input: unknown): string {
  if (typeof input === 'string') return input
  if (!Array.isArray(input)) return ''
  const lastUser = input.filter(isRecord).findLast((item) => item.role === 'user')
  return textOf(lastUser?.content)
}

export async function responses(ctx: Ctx): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : null
  if (previous !== null && !ctx.state.responseIds.has(previous)) {
    return sendOpenAiError(ctx, 404, `Previous response with id '${previous}' not found.`, {
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    })
  }
  const input = responseInputText(body.input)
  const text = `Echo: ${input} (previous_response_id: ${previous ?? 'none'})`
  const id = ctx.mintId('resp_')
  ctx.state.responseIds.add(id)
  const inputTokens = wordCount(input)
  const outputTokens = wordCount(text)
  const response = {
    id,
    object: 'response',
    created_at: ctx.now(),
    status: 'completed',
    model: str(body.model, 'gpt-fake'),
    previous_response_id: previous,
    output: [
      {
        type: 'message',
        id: ctx.mintId('msg_'),
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    output_text: text,
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
    },
  }
  if (body.stream === true) return streamResponse(ctx, response, text)
  sendJson(ctx, 200, response, true)
}

interface Part {
  name: string
  filename?: string
  data: Buffer
}

// Just enough RFC 7578 to find fields and file bytes; the fake only ever sees well-formed uploads.
function parseMultipart(body: Buffer, contentType: string): Part[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  const boundary = match?.[1] ?? match?.[2]
  if (!boundary) return []
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: Part[] = []
  let pos = body.indexOf(delimiter)
  while (pos !== -1) {
    const start = pos + delimiter.length
    if (body.subarray(start, start + 2).toString() === '--') break
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    const raw = body.subarray(start + 2, next - 2)
    const headerEnd = raw.indexOf('\r\n\r\n')
    if (headerEnd !== -1) {
      const headers = raw.subarray(0, headerEnd).toString('utf8')
      const name = /;\s*name="([^"]*)"/i.exec(headers)?.[1] ?? ''
      const filename = /;\s*filename="([^"]*)"/i.exec(headers)?.[1]
      parts.push({ name, filename, data: raw.subarray(headerEnd + 4) })
    }
    pos = next
  }
  return parts
}

export async function uploadFile(ctx: Ctx): Promise<void> {
  const parts = parseMultipart(ctx.body, ctx.req.headers['content-type'] ?? '')
  const file = parts.find((p) => p.name === 'file' && p.filename !== undefined)
  if (!file) return sendOpenAiError(ctx, 400, "Missing required parameter: 'file'.", { param: 'file' })
  const filename = file.filename ?? 'upload'
  const purpose = parts.find((p) => p.name === 'purpose')?.data.toString('utf8') ?? 'assistants'
  // The multipart boundary changes per upload, so the stable id must hang off the file itself.
  const digest = createHash('sha256').update(file.data).digest('hex')
  const id = ctx.mintId('file-', `${filename}:${digest}`)
  ctx.state.files.set(id, { filename, bytes: file.data.length })
  sendJson(
    ctx,
    200,
    {
      object: 'file',
      id,
      purpose,
      filename,
      bytes: file.data.length,
      created_at: ctx.now(),
      expires_at: null,
      status: 'processed',
      status_details: null,
    },
    true,
  )
}

export async function createVectorStore(ctx: Ctx): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const fileIds = Array.isArray(body.file_ids) ? body.file_ids.map((id) => String(id)) : []
  const unknown = fileIds.find((id) => !ctx.state.files.has(id))
  if (unknown !== undefined) {
    return sendOpenAiError(ctx, 404, `No file found with id '${unknown}'.`, { param: 'file_ids' })
  }
  const id = ctx.mintId('vs_')
  ctx.state.vectorStores.set(id, fileIds)
  const created = ctx.now()
  const usageBytes = fileIds.reduce((sum, f) => sum + (ctx.state.files.get(f)?.bytes ?? 0), 0)
  const n = fileIds.length
  sendJson(
    ctx,
    200,
    {
      id,
      object: 'vector_store',
      created_at: created,
      name: str(body.name) || null,
      usage_bytes: usageBytes,
      file_counts: { in_progress: 0, completed: n, failed: 0, cancelled: 0, total: n },
      status: 'completed',
      expires_after: null,
      expires_at: null,
      last_active_at: created,
      metadata: {},
    },
    true,
  )
}

export async function searchVectorStore(ctx: Ctx, storeId: string): Promise<void> {
  const body = readJson(ctx)
  if (!body) return
  const fileIds = ctx.state.vectorStores.get(storeId)
  if (!fileIds) {
    return sendOpenAiError(ctx, 404, `No vector store found with id '${storeId}'.`, {
      param: 'vector_store_id',
    })
  }
  const query = textOf(body.query) || (Array.isArray(body.query) ? body.query.join(' ') : '')
  const data = fileIds.map((fileId, i) => {
    const filename = ctx.state.files.get(fileId)?.filename ?? 'unknown'
    return {
      file_id: fileId,
      filename,
      score: Math.round((0.9 - i * 0.1) * 100) / 100,
      attributes: {},
      content: [{ type: 'text', text: `Match for "${query}" in ${filename} (${fileId})` }],
    }
  })
  sendJson(
    ctx,
    200,
    {
      object: 'vector_store.search_results.page',
      search_query: query,
      data,
      has_more: false,
      next_page: null,
    },
    true,
  )
}
