import { request } from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import { type FakeApi, startFakeApi } from './fake-apis.js'
import { BIG_EVENT_BYTES, binaryBytes, compressedPayload } from './fake-apis-misc.js'

const api = await startFakeApi()
const fixed = await startFakeApi({ randomIds: false })
afterAll(async () => {
  await Promise.all([api.close(), fixed.close()])
})

type AnyJson = Record<string, any>

function post(path: string, body: unknown, server: FakeApi = api): Promise<Response> {
  return fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

async function postJson(path: string, body: unknown, server: FakeApi = api): Promise<AnyJson> {
  const res = await post(path, body, server)
  expect(res.status).toBe(200)
  return (await res.json()) as AnyJson
}

// Counting reads is how we prove the server streams instead of sending one buffered body.
async function readChunks(res: Response): Promise<{ reads: number; text: string }> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let reads = 0
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { reads, text: text + decoder.decode() }
    reads++
    text += decoder.decode(value, { stream: true })
  }
}

function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((event) =>
      event
        .split('\n')
        .find((line) => line.startsWith('data: '))!
        .slice(6),
    )
}

const chatBody = (content: string, extra: AnyJson = {}): AnyJson => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content },
  ],
  ...extra,
})

function rawGet(url: string): Promise<{ headers: AnyJson; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
}

describe('OpenAI chat completions', () => {
  it('answers with pretty JSON, an echo, and fresh ids and volatile headers per call', async () => {
    const first = await post('/v1/chat/completions', chatBody('hello there'))
    const text = await first.text()
    expect(text.startsWith('{\n  "id": "chatcmpl-')).toBe(true)
    const json = JSON.parse(text) as AnyJson
    expect(json.object).toBe('chat.completion')
    expect(json.model).toBe('gpt-4o-mini')
    expect(typeof json.created).toBe('number')
    expect(json.choices[0].message).toMatchObject({ role: 'assistant', content: 'Echo: hello there' })
    expect(json.choices[0].finish_reason).toBe('stop')
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens)

    const second = await post('/v1/chat/completions', chatBody('hello there'))
    const json2 = (await second.json()) as AnyJson
    expect(json2.id).not.toBe(json.id)
    expect(second.headers.get('x-request-id')).toMatch(/^req_/)
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'))
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('500')
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+ms$/)
    expect(first.headers.get('openai-processing-ms')).toMatch(/^\d+$/)
    expect(first.headers.get('date')).toBeTruthy()
  })

  it('returns byte-identical bodies for identical requests when randomIds is false', async () => {
    const a = await (await post('/v1/chat/completions', chatBody('same'), fixed)).text()
    const b = await (await post('/v1/chat/completions', chatBody('same'), fixed)).text()
    expect(a).toBe(b)
    const c = await (await post('/v1/chat/completions', chatBody('different'), fixed)).text()
    expect(JSON.parse(c).id).not.toBe(JSON.parse(a).id)
  })

  it('reads options live, so randomIds can be switched on a running server', async () => {
    const own = await startFakeApi({ randomIds: false })
    const id = async (): Promise<string> => (await postJson('/v1/chat/completions', chatBody('x'), own)).id
    expect(await id()).toBe(await id())
    own.options.randomIds = true
    expect(await id()).not.toBe(await id())
    await own.close()
  })

  it('streams one chunk per word across several reads, then stop and [DONE]', async () => {
    const res = await post(
      '/v1/chat/completions',
      chatBody('hello streaming world', { stream: true, stream_options: { include_usage: true } }),
    )
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const { reads, text } = await readChunks(res)
    expect(reads).toBeGreaterThan(1)
    const data = sseData(text)
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as AnyJson)
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1)
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true)
    const content = chunks.filter((c) => typeof c.choices[0]?.delta.content === 'string')
    expect(content).toHaveLength(4)
    expect(content.map((c) => c.choices[0].delta.content).join('')).toBe('Echo: hello streaming world')
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe('stop')
    expect(chunks.at(-1)!.usage.completion_tokens).toBe(4)
  })

  // A long budget: 10,000 events took 45 s under load 20 on 2 cores (0.5 s quiet).
  it.each([60, 10_000])('forces exactly %i content chunks with n_events', { timeout: 240_000 }, async (n) => {
    const res = await post('/v1/chat/completions', chatBody('x', { stream: true, n_events: n }))
    const { reads, text } = await readChunks(res)
    const data = sseData(text)
    expect(data).toHaveLength(n + 2)
    expect(reads).toBeGreaterThan(n > 100 ? 10 : 1)
    const last = JSON.parse(data.at(-2)!) as AnyJson
    expect(last.choices[0].finish_reason).toBe('stop')
  })

  it('calls the first tool, then echoes the tool_call_id it gets back', async () => {
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }]
    const first = await postJson('/v1/chat/completions', chatBody('weather in Oslo', { tools }))
    const call = first.choices[0].message.tool_calls[0]
    expect(first.choices[0].finish_reason).toBe('tool_calls')
    expect(call.id).toMatch(/^call_[A-Za-z0-9]+$/)
    expect(call.function).toEqual({ name: 'lookup', arguments: '{"q":"weather in Oslo"}' })

    const followUp = chatBody('weather in Oslo', { tools })
    followUp.messages.push(first.choices[0].message, {
      role: 'tool',
      tool_call_id: call.id,
      content: 'sunny',
    })
    const second = await postJson('/v1/chat/completions', followUp)
    expect(second.choices[0].message.content).toBe(`Tool result for ${call.id}: sunny`)
  })

  it('streams tool call arguments in fragments', async () => {
    const tools = [{ type: 'function', function: { name: 'lookup' } }]
    const res = await post('/v1/chat/completions', chatBody('a longer query', { tools, stream: true }))
    const chunks = sseData((await readChunks(res)).text)
      .slice(0, -1)
      .map((d) => JSON.parse(d) as AnyJson)
    const deltas = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? [])
    expect(deltas[0].id).toMatch(/^call_/)
    expect(deltas.length).toBeGreaterThan(2)
    expect(deltas.map((d: AnyJson) => d.function.arguments).join('')).toBe('{"q":"a longer query"}')
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls')
  })
})

describe('Anthropic messages', () => {
  const body = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi you' }] }

  it('answers a non-stream message', async () => {
    const json = await postJson('/v1/messages', body)
    expect(json.id).toMatch(/^msg_/)
    expect(json).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5' })
    expect(json.content).toEqual([{ type: 'text', text: 'Echo: hi you' }])
    expect(json.usage.output_tokens).toBe(3)
  })

  it('streams events in Anthropic order', async () => {
    const { reads, text } = await readChunks(await post('/v1/messages', { ...body, stream: true }))
    expect(reads).toBeGreaterThan(1)
    const types = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1])
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const deltas = sseData(text)
      .map((d) => JSON.parse(d) as AnyJson)
      .filter((e) => e.type === 'content_block_delta')
    expect(deltas.map((e) => e.delta.text).join('')).toBe('Echo: hi you')
  })
})

describe('Responses, files and vector stores', () => {
  it('chains previous_response_id and rejects ids it never issued', async () => {
    const first = await postJson('/v1/responses', { model: 'gpt-4.1', input: 'one' })
    expect(first.id).toMatch(/^resp_/)
    expect(typeof first.created_at).toBe('number')
    expect(first.output_text).toBe('Echo: one (previous_response_id: none)')
    const second = await postJson('/v1/responses', {
      model: 'gpt-4.1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'two' }] }],
      previous_response_id: first.id,
    })
    expect(second.output_text).toBe(`Echo: two (previous_response_id: ${first.id})`)
    expect(second.output[0].content[0].text).toBe(second.output_text)

    const bad = await post('/v1/responses', { input: 'x', previous_response_id: 'resp_nope' })
    expect(bad.status).toBe(404)
    expect(((await bad.json()) as AnyJson).error.code).toBe('previous_response_not_found')
  })

  it('uploads a multipart file, builds a vector store and searches it', async () => {
    const form = new FormData()
    form.append('purpose', 'assistants')
    form.append('file', new Blob([new Uint8Array(1234).fill(0xfe)]), 'notes.bin')
    const res = await fetch(`${api.url}/v1/files`, { method: 'POST', body: form })
    const file = (await res.json()) as AnyJson
    expect(file).toMatchObject({ filename: 'notes.bin', bytes: 1234, purpose: 'assistants' })
    expect(file.id).toMatch(/^file-/)
    expect(typeof file.created_at).toBe('number')

    const store = await postJson('/v1/vector_stores', { name: 'docs', file_ids: [file.id] })
    expect(store.id).toMatch(/^vs_/)
    const search = await postJson(`/v1/vector_stores/${store.id}/search`, { query: 'what' })
    expect(search.data[0].file_id).toBe(file.id)
    expect(search.data[0].filename).toBe('notes.bin')

    expect((await post('/v1/vector_stores', { file_ids: ['file-unknown'] })).status).toBe(404)
    expect((await post('/v1/vector_stores/vs_unknown/search', { query: 'q' })).status).toBe(404)
  })

  it('gives a re-uploaded file the same id when randomIds is false', async () => {
    const upload = async (): Promise<AnyJson> => {
      const form = new FormData()
      form.append('file', new Blob(['hello']), 'a.txt')
      return (await (await fetch(`${fixed.url}/v1/files`, { method: 'POST', body: form })).json()) as AnyJson
    }
    expect((await upload()).id).toBe((await upload()).id)
  })
})

describe('encodings, binary and status codes', () => {
  it.each([
    ['gzip', [0x1f, 0x8b]],
    ['deflate', [0x78]],
    ['br', null],
  ] as const)('serves %s-compressed JSON that fetch decodes', async (encoding, magic) => {
    const res = await fetch(`${api.url}/${encoding}.json`)
    expect(res.headers.get('content-encoding')).toBe(encoding)
    expect(await res.json()).toEqual(compressedPayload(encoding))
    const raw = await rawGet(`${api.url}/${encoding}.json`)
    expect(raw.body.toString('utf8')).not.toContain('encoding')
    if (magic) expect([...raw.body.subarray(0, magic.length)]).toEqual(magic)
  })

  it('serves 4 KB of deterministic non-UTF-8 bytes', async () => {
    const res = await fetch(`${api.url}/binary`)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    const bytes = Buffer.from(await res.arrayBuffer())
    expect(bytes).toHaveLength(4096)
    expect(bytes.equals(binaryBytes())).toBe(true)
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow()
  })

  it('answers 429 with retry-after, 500 with an error body and 204 empty', async () => {
    const limited = await fetch(`${api.url}/status/429`)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(((await limited.json()) as AnyJson).error).toMatchObject({ code: 'rate_limit_exceeded' })
    const failed = await fetch(`${api.url}/status/500`)
    expect(failed.status).toBe(500)
    expect(((await failed.json()) as AnyJson).error.type).toBe('server_error')
    const empty = await fetch(`${api.url}/status/204`)
    expect(empty.status).toBe(204)
    expect(await empty.text()).toBe('')
  })

  it('echoes the secrets it received', async () => {
    const res = await fetch(`${api.url}/echo-key?key=q-secret`, {
      headers: { authorization: 'Bearer sk-secret', 'x-api-key': 'ant-secret' },
    })
    expect(await res.json()).toEqual({
      authorization: 'Bearer sk-secret',
      'x-api-key': 'ant-secret',
      key: 'q-secret',
    })
  })

  it('fails a body once, then behaves like chat completions', async () => {
    const body = chatBody('flaky one')
    expect((await post('/flaky/chat/completions', body)).status).toBe(500)
    const ok = await postJson('/flaky/chat/completions', body)
    expect(ok.choices[0].message.content).toBe('Echo: flaky one')
    expect((await post('/flaky/chat/completions', chatBody('flaky two'))).status).toBe(500)
  })

  it('logs every request with method, path, headers and body', async () => {
    await fetch(`${api.url}/status/200?x=1`, { method: 'PUT', headers: { 'x-test': 'yes' }, body: 'payload' })
    const logged = api.requests.at(-1)!
    expect(logged).toMatchObject({ method: 'PUT', path: '/status/200?x=1' })
    expect(logged.headers['x-test']).toBe('yes')
    expect(logged.body.toString()).toBe('payload')
  })
})

describe('fault endpoints', () => {
  it('resets the socket after three events', async () => {
    const res = await fetch(`${api.url}/fault/reset-mid-stream`)
    const reader = res.body!.getReader()
    let text = ''
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return undefined
        text += Buffer.from(value).toString()
      }
    })().catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(Error)
    expect(sseData(text)).toHaveLength(3)
  })

  it('drops the connection before any headers', async () => {
    await expect(fetch(`${api.url}/fault/close-before-headers`)).rejects.toThrow()
  })

  it('stalls after one event without holding up close()', async () => {
    const own = await startFakeApi()
    const reader = (await fetch(`${own.url}/fault/stall`)).body!.getReader()
    const first = await reader.read()
    expect(Buffer.from(first.value!).toString()).toContain('"index":0')
    // Were close() to wait for the stream, it would never end (the test's timeout would say so).
    await own.close()
    await expect(reader.read()).rejects.toThrow()
  })

  it('closes promptly with an idle keep-alive connection open', async () => {
    const own = await startFakeApi()
    await (await fetch(`${own.url}/status/200`)).text()
    // Without closing it, close() waits for the keep-alive timeout (5 s): a bound well under
    // that, far above what a busy machine needs to close a socket.
    const started = Date.now()
    await own.close()
    expect(Date.now() - started).toBeLessThan(4_000)
  })

  it('sends a single 1 MB event across many reads', async () => {
    const { reads, text } = await readChunks(await fetch(`${api.url}/fault/big-event`))
    expect(reads).toBeGreaterThan(1)
    const data = sseData(text)
    expect(data).toHaveLength(2)
    expect((JSON.parse(data[0]!) as AnyJson).payload).toHaveLength(BIG_EVENT_BYTES)
    expect(data[1]).toBe('[DONE]')
  })

  it('streams five NDJSON lines', async () => {
    const res = await fetch(`${api.url}/ndjson`)
    expect(res.headers.get('content-type')).toBe('application/x-ndjson')
    const { reads, text } = await readChunks(res)
    expect(reads).toBeGreaterThan(1)
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AnyJson)
    expect(lines).toHaveLength(5)
    expect(lines.map((l) => l.done)).toEqual([false, false, false, false, true])
  })
})
