/**
 * Record against the real loopback fake API, stop it, replay offline: every kind of body the
 * LLM APIs send comes back to the client as it was, and the file on disk is the documented one.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { request as undiciRequest } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { Interaction, StoredResponse } from '../../src/index.js'
import {
  allFiles,
  chat,
  fileVersion,
  postJson,
  readChunks,
  readRecording,
  session,
  sseEvents,
  tempDir,
} from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'
import { binaryBytes, compressedPayload } from '../support/fake-apis-misc.js'

const apis: FakeApi[] = []
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()))
})

async function fakeApi(randomIds = true): Promise<FakeApi> {
  const api = await startFakeApi({ randomIds })
  apis.push(api)
  return api
}

/** Records `fn` in mode `new`, stops the server, replays it in mode `replay`. */
async function recordThenReplay<T>(
  fn: (api: FakeApi) => Promise<T>,
  options: Parameters<typeof session>[3] = {},
) {
  const dir = tempDir()
  const api = await fakeApi()
  const recorded = await session(dir, 'new', () => fn(api), options)
  expect(recorded.thrown).toBeUndefined()
  expect(recorded.error).toBeUndefined()
  expect(recorded.outcome.change).toBe('created')
  const served = api.requests.length
  await api.close()
  const replayed = await session(dir, 'replay', () => fn(api), options)
  expect(replayed.thrown).toBeUndefined()
  expect(replayed.error).toBeUndefined()
  expect(api.requests.length).toBe(served) // nothing reached the (stopped) server
  expect(replayed.outcome.replayed).toBe(recorded.outcome.recorded)
  const file = readRecording(recorded.path)
  return { dir, api, recorded, replayed, file, path: recorded.path }
}

type Answered = Interaction & { response: StoredResponse }

function only(file: { interactions: Interaction[] }): Answered {
  expect(file.interactions).toHaveLength(1)
  return file.interactions[0] as Answered
}

describe('record, stop the server, replay', () => {
  it('OpenAI chat completion JSON', async () => {
    const { recorded, replayed, file } = await recordThenReplay((api) =>
      postJson(`${api.url}/v1/chat/completions`, chat('hello there')),
    )
    expect(recorded.result?.status).toBe(200)
    expect(recorded.result?.json.choices[0].message.content).toBe('Echo: hello there')
    expect(replayed.result?.json).toEqual(recorded.result?.json)
    const { request, response } = only(file)
    expect(request).toMatchObject({ method: 'POST', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini' })
    expect(request.body).toEqual(chat('hello there'))
    expect(response).toMatchObject({ status: 200, is_streaming: false, body_encoding: 'json' })
    expect((response.body as any).choices[0].message.content).toBe('Echo: hello there')
  })

  it('OpenAI SSE with data: [DONE]: one read per event on replay', async () => {
    const stream = async (api: FakeApi) => {
      const response = await fetch(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat('stream please', { stream: true, n_events: 8 })),
      })
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        ...(await readChunks(response)),
      }
    }
    const { recorded, replayed, file } = await recordThenReplay(stream)
    const events = sseEvents(recorded.result!.text)
    expect(events).toHaveLength(10) // 8 content + finish + [DONE]
    expect(events.at(-1)).toBe('data: [DONE]')
    const { response } = only(file)
    expect(response.is_streaming).toBe(true)
    expect(response.body_encoding).toBe('sse')
    expect(response.body).toHaveLength(10)
    expect((response.body as any[]).at(-1)).toEqual({ data: '[DONE]' })
    const again = replayed.result!
    expect(again.text).toBe(recorded.result!.text)
    expect(again.type).toBe(recorded.result!.type)
    expect(again.reads).toBe(10)
    expect(again.chunks).toEqual(events.map((event) => `${event}\n\n`))
  })

  it('Anthropic SSE with event: lines', async () => {
    const stream = async (api: FakeApi) => {
      const response = await fetch(`${api.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({
          model: 'claude-fake',
          max_tokens: 64,
          stream: true,
          messages: [{ role: 'user', content: 'hi claude' }],
        }),
      })
      return readChunks(response)
    }
    const { recorded, replayed, file } = await recordThenReplay(stream)
    const body = only(file).response.body as any[]
    expect(body.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(body[2].data).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'Echo: ' },
    })
    expect(replayed.result!.text).toBe(recorded.result!.text)
    expect(replayed.result!.reads).toBe(8)
  })

  /** A loopback server that streams `pieces` one write at a time (a macrotask apart). */
  async function streamingServer(contentType: string, pieces: string[]) {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': contentType })
      const queue = [...pieces]
      const next = () => {
        const piece = queue.shift()
        if (piece === undefined) response.end()
        else response.write(piece, () => setTimeout(next, 2))
      }
      next()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`
    return { url, close: () => new Promise((resolve) => server.close(resolve)) }
  }

  /** Replayed text may differ from the recorded one only where no parser can tell (docs/format.md). */
  async function recordThenReplayStream(
    contentType: string,
    pieces: string[],
    sameAs?: (text: string) => unknown,
  ) {
    const server = await streamingServer(contentType, pieces)
    const dir = tempDir()
    try {
      const recorded = await session(dir, 'new', async () => readChunks(await fetch(server.url)))
      await server.close()
      const replayed = await session(dir, 'replay', async () => readChunks(await fetch(server.url)))
      expect(replayed.error).toBeUndefined()
      expect(recorded.result!.text).toBe(pieces.join(''))
      const seen = sameAs ?? ((text: string) => text)
      expect(seen(replayed.result!.text)).toEqual(seen(recorded.result!.text))
      return {
        response: only(readRecording(recorded.path)).response,
        reads: replayed.result!.reads,
        text: replayed.result!.text,
      }
    } finally {
      await server.close()
    }
  }

  const jsonOrText = (value: string): unknown => {
    try {
      return JSON.parse(value)
    } catch {
      return value
    }
  }

  /** What an SSE parser reads: each event's fields, data JSON-parsed where it is JSON. */
  const sseAsParsed = (text: string) =>
    text
      .split(/\r\n\r\n|\n\n|\r\r/)
      .filter(Boolean)
      .map((block) =>
        block.split(/\r\n|\n|\r/).map((line) => {
          const [, field, value = ''] = /^([^:]*):? ?(.*)$/.exec(line) ?? []
          return [field, field === 'data' ? jsonOrText(value) : value]
        }),
      )

  it('SSE whose JSON data is sent with spaces is stored as parsed events, one read each', async () => {
    const { response, reads, text } = await recordThenReplayStream(
      'text/event-stream',
      [
        'data: {"a": 1}\n\n',
        'event: tick\ndata: {"b":2}\n\n',
        'data: {"2":"x","1":"y"}\n\n',
        'data: [DONE]\n\n',
      ],
      sseAsParsed,
    )
    expect(response.body_encoding).toBe('sse')
    expect(response.body).toEqual([
      { data: { a: 1 } },
      { event: 'tick', data: { b: 2 } },
      // JSON.parse would reorder these keys: a parser of the replayed text could tell, so it stays text.
      { data: '{"2":"x","1":"y"}' },
      { data: '[DONE]' },
    ])
    expect(text).toBe(
      'data: {"a":1}\n\nevent: tick\ndata: {"b":2}\n\ndata: {"2":"x","1":"y"}\n\ndata: [DONE]\n\n',
    )
    expect(reads).toBe(4)
  })

  it('SSE with CRLF line ends and no space after data: is stored as events, replayed with LF', async () => {
    const { response, reads } = await recordThenReplayStream(
      'text/event-stream',
      ['data:{"a": 1}\r\n\r\n', 'data:{"a":2}\r\n\r\n', 'data:[DONE]\r\n\r\n'],
      sseAsParsed,
    )
    expect(response.body_encoding).toBe('sse')
    expect(response.body).toEqual([{ data: { a: 1 } }, { data: { a: 2 } }, { data: '[DONE]' }])
    expect(reads).toBe(3)
  })

  it('SSE a parser could tell apart (a repeated field, an unfinished event) stays text, one event per read', async () => {
    const { response, reads } = await recordThenReplayStream('text/event-stream', [
      'event: a\nevent: b\ndata: 1\n\n',
      'data: 2\n\n',
      'data: unfinished',
    ])
    expect(response.body_encoding).toBe('text')
    expect(reads).toBe(3)
  })

  it('NDJSON that is not compact is stored as lines, replayed compact, one line per read', async () => {
    const { response, reads } = await recordThenReplayStream(
      'application/x-ndjson',
      ['{"a": 1}\n', '{"a": 2}\n', '{"done": true}\n'],
      (text) =>
        text
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
    )
    expect(response.body_encoding).toBe('ndjson')
    expect(response.body).toEqual([{ a: 1 }, { a: 2 }, { done: true }])
    expect(reads).toBe(3)
  })

  it('query parameter order does not matter, their values do', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const get = (query: string) => fetch(`${api.url}/status/200?${query}`).then((response) => response.json())
    await session(dir, 'new', () => get('b=2&a=1'))
    await api.close()
    const same = await session(dir, 'replay', () => get('a=1&b=2'))
    expect(same.error).toBeUndefined()
    const other = await session(dir, 'replay', () => get('a=1&b=3'))
    expect(other.error?.code).toBe('RECORDING_MISS')
    expect(other.error?.message).toContain('url: "')
  })

  for (const encoding of ['gzip', 'deflate', 'br'] as const) {
    for (const normalizeIds of [true, false]) {
      it(`${encoding} JSON is stored decoded and replays (normalizeIds: ${normalizeIds})`, async () => {
        const { recorded, replayed, file, path } = await recordThenReplay(
          async (api) => {
            const response = await fetch(`${api.url}/${encoding}.json`)
            return { status: response.status, json: await response.json() }
          },
          { normalizeIds },
        )
        expect(recorded.result!.json).toEqual(compressedPayload(encoding))
        expect(replayed.result!.json).toEqual(compressedPayload(encoding))
        const { response } = only(file)
        expect(response.headers['content-encoding']).toBeUndefined()
        expect(response.body_encoding).toBe('json')
        expect(response.body).toEqual(compressedPayload(encoding))
        expect(readFileSync(path, 'utf8')).toContain(`"message": "Hello from a ${encoding} body"`)
      })
    }
  }

  it('multipart upload: a new random boundary still matches the recording', async () => {
    const boundaries: string[] = []
    const upload = async (api: FakeApi) => {
      const form = new FormData()
      form.append('purpose', 'assistants')
      form.append('file', new Blob(['the manual says hello\n']), 'manual.txt')
      const request = new Request(`${api.url}/v1/files`, { method: 'POST', body: form })
      boundaries.push(request.headers.get('content-type') ?? '')
      const response = await fetch(request)
      return { status: response.status, json: (await response.json()) as any }
    }
    const { recorded, replayed, file } = await recordThenReplay(upload)
    expect(boundaries).toHaveLength(2)
    expect(boundaries[0]).not.toBe(boundaries[1])
    expect(recorded.result!.json).toMatchObject({ object: 'file', filename: 'manual.txt', bytes: 22 })
    expect(replayed.result).toEqual(recorded.result)
    const { request } = only(file)
    expect(request.headers['content-type']).toBe('multipart/form-data')
    expect(request.body_encoding).toBe('multipart')
    expect(request.body).toEqual([
      { name: 'purpose', body: 'assistants' },
      {
        name: 'file',
        filename: 'manual.txt',
        content_type: 'application/octet-stream',
        body: 'the manual says hello\n',
      },
    ])
  })

  it('binary download: identical bytes, stored base64', async () => {
    const download = async (api: FakeApi) => {
      const response = await fetch(`${api.url}/binary`)
      return Buffer.from(await response.arrayBuffer())
    }
    const { recorded, replayed, file } = await recordThenReplay(download)
    expect(recorded.result!.equals(binaryBytes())).toBe(true)
    expect(replayed.result!.equals(binaryBytes())).toBe(true)
    const { response } = only(file)
    expect(response.body_encoding).toBe('base64')
    expect(Buffer.from(response.body as string, 'base64').equals(binaryBytes())).toBe(true)
  })

  it('429 and 500 JSON errors keep status, body and retry-after', async () => {
    const errors = async (api: FakeApi) => {
      const out = []
      for (const code of [429, 500]) {
        const response = await fetch(`${api.url}/status/${code}`, { method: 'POST' })
        out.push({
          status: response.status,
          statusText: response.statusText,
          retryAfter: response.headers.get('retry-after'),
          json: (await response.json()) as any,
        })
      }
      return out
    }
    const { recorded, replayed, file } = await recordThenReplay(errors)
    expect(recorded.result!.map((r) => r.status)).toEqual([429, 500])
    expect(recorded.result![0]!.retryAfter).toBe('1')
    expect(recorded.result![0]!.json.error.code).toBe('rate_limit_exceeded')
    expect(replayed.result).toEqual(recorded.result)
    expect(file.interactions.map((i) => i.response.status)).toEqual([429, 500])
    expect(file.interactions[0]!.response.headers['retry-after']).toBe('1')
  })

  it('204 No Content', async () => {
    const noContent = async (api: FakeApi) => {
      const response = await fetch(`${api.url}/status/204`, { method: 'DELETE' })
      return { status: response.status, text: await response.text(), body: response.body }
    }
    const { recorded, replayed, file } = await recordThenReplay(noContent)
    expect(recorded.result).toMatchObject({ status: 204, text: '', body: null })
    expect(replayed.result).toMatchObject({ status: 204, text: '', body: null })
    const { response } = only(file)
    expect(response.status).toBe(204)
    expect(response.body).toBeUndefined()
  })

  it('NDJSON: one line per stored element and per read', async () => {
    const lines = async (api: FakeApi) =>
      readChunks(await fetch(`${api.url}/ndjson`, { method: 'POST', body: '{}' }))
    const { recorded, replayed, file } = await recordThenReplay(lines)
    const { response } = only(file)
    expect(response.body_encoding).toBe('ndjson')
    expect(response.body).toHaveLength(5)
    expect((response.body as any[])[4]).toMatchObject({ done: true, done_reason: 'stop' })
    expect(replayed.result!.text).toBe(recorded.result!.text)
    expect(replayed.result!.reads).toBe(5)
  })

  it('the n-th identical request gets the n-th answer', async () => {
    const three = async (api: FakeApi) => {
      const out = []
      for (let i = 0; i < 3; i++)
        out.push((await postJson(`${api.url}/v1/chat/completions`, chat('same'))).json.id)
      return out
    }
    const { recorded, replayed, file } = await recordThenReplay(three, { normalizeIds: false })
    expect(new Set(recorded.result).size).toBe(3)
    expect(replayed.result).toEqual(recorded.result)
    expect(file.interactions).toHaveLength(3)
  })

  it('an exhausted sequence fails with RECORDING_EXHAUSTED; allowRepeats serves the last answer', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const ask = () => postJson(`${api.url}/v1/chat/completions`, chat('again'))
    const recorded = await session(dir, 'new', async () => [(await ask()).json, (await ask()).json], {
      normalizeIds: false,
    })
    await api.close()

    const strict = await session(dir, 'replay', async () => {
      const first = await ask()
      const second = await ask()
      const third = await ask().catch((error: unknown) => error)
      return { first: first.json, second: second.json, third }
    })
    expect(strict.result!.first).toEqual(recorded.result![0])
    expect(strict.result!.second).toEqual(recorded.result![1])
    // The third gets an error answer (status 400, the explanation in its body); the test fails with the error.
    expect((strict.result!.third as { status: number }).status).toBe(400)
    const error = strict.error
    expect(error?.code).toBe('RECORDING_EXHAUSTED')
    expect(error?.message).toMatch(/3 times, the recording answers it only 2/)
    expect(error?.message).toContain('allowRepeats')
    expect(strict.error?.code).toBe('RECORDING_EXHAUSTED')

    const lenient = await session(
      dir,
      'replay',
      async () => [(await ask()).json, (await ask()).json, (await ask()).json, (await ask()).json],
      { allowRepeats: true },
    )
    expect(lenient.error).toBeUndefined()
    expect(lenient.result).toEqual([
      recorded.result![0],
      recorded.result![1],
      recorded.result![1],
      recorded.result![1],
    ])
  })

  it('undici.request (the undici 7 package) is recorded and replayed', async () => {
    const viaUndici = async (api: FakeApi) => {
      const json = await undiciRequest(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat('from undici')),
      })
      const stream = await undiciRequest(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat('from undici', { stream: true, n_events: 3 })),
      })
      let reads = 0
      let text = ''
      for await (const chunk of stream.body) {
        reads++
        text += chunk.toString()
      }
      return { status: json.statusCode, json: await json.body.json(), reads, text }
    }
    const { recorded, replayed, file } = await recordThenReplay(viaUndici)
    expect((recorded.result!.json as any).choices[0].message.content).toBe('Echo: from undici')
    expect(file.interactions).toHaveLength(2)
    expect(replayed.result!.json).toEqual(recorded.result!.json)
    expect(replayed.result!.text).toBe(recorded.result!.text)
    expect(replayed.result!.reads).toBe(5) // 3 deltas + finish + [DONE]
  })

  it('request bodies of every fetch type match their recording', async () => {
    const json = (content: string, order: 'ab' | 'ba') =>
      JSON.stringify(
        order === 'ab'
          ? { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }
          : { messages: [{ content, role: 'user' }], model: 'gpt-4o-mini' },
      )
    const bodies = (order: 'ab' | 'ba'): Array<[string, () => RequestInit]> => [
      ['string', () => ({ body: json('string', order) })],
      ['uint8array', () => ({ body: new TextEncoder().encode(json('uint8array', order)) })],
      ['blob', () => ({ body: new Blob([json('blob', order)], { type: 'application/json' }) })],
      [
        'readable-stream',
        () => ({
          body: new ReadableStream({
            start(controller) {
              const text = json('readable-stream', order)
              controller.enqueue(new TextEncoder().encode(text.slice(0, 10)))
              controller.enqueue(new TextEncoder().encode(text.slice(10)))
              controller.close()
            },
          }),
          duplex: 'half',
        }),
      ],
      ['urlsearchparams', () => ({ body: new URLSearchParams(order === 'ab' ? 'a=1&b=two' : 'b=two&a=1') })],
      [
        'formdata',
        () => {
          const form = new FormData()
          form.append('purpose', 'batch')
          form.append('file', new Blob(['{"x":1}\n']), 'batch.jsonl')
          return { body: form }
        },
      ],
    ]
    const send = async (api: FakeApi, order: 'ab' | 'ba') => {
      const results: Record<string, unknown> = {}
      // Replay asks in the reverse order: each body must find its own answer, not the next one.
      const list = order === 'ab' ? bodies(order) : bodies(order).reverse()
      for (const [kind, init] of list) {
        const path = kind === 'formdata' ? '/v1/files' : '/v1/chat/completions'
        const headers =
          kind === 'urlsearchparams' || kind === 'formdata' ? {} : { 'content-type': 'application/json' }
        const response = await fetch(`${api.url}${path}`, {
          method: 'POST',
          headers,
          ...init(),
        } as RequestInit)
        results[kind] = { status: response.status, json: await response.json() }
      }
      return results
    }
    const dir = tempDir()
    const api = await fakeApi()
    const recorded = await session(dir, 'new', () => send(api, 'ab'))
    expect(recorded.error).toBeUndefined()
    await api.close()
    const replayed = await session(dir, 'replay', () => send(api, 'ba'))
    expect(replayed.thrown).toBeUndefined()
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toEqual(recorded.result)
    expect((recorded.result as any).blob.json.choices[0].message.content).toBe('Echo: blob')
    expect((recorded.result as any)['readable-stream'].json.choices[0].message.content).toBe(
      'Echo: readable-stream',
    )
    const file = readRecording(recorded.path)
    expect(file.interactions.map((i) => i.request.body_encoding)).toEqual([
      'json',
      'json',
      'json',
      'json',
      'form',
      'multipart',
    ])
  })
})

describe('when files are written', () => {
  const ask = (api: FakeApi) => () => postJson(`${api.url}/v1/chat/completions`, chat('write?'))

  it('replay and live never write; new and update do', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const live = await session(dir, 'live', ask(api))
    expect(live.result!.status).toBe(200)
    expect(live.outcome.change).toBe('none')
    expect(existsSync(join(dir, '__recordings__'))).toBe(false)

    const miss = await session(dir, 'replay', ask(api))
    expect(miss.error?.code).toBe('RECORDING_MISS')
    expect(existsSync(join(dir, '__recordings__'))).toBe(false)
    expect(api.requests).toHaveLength(1) // only the live one reached the server

    const created = await session(dir, 'new', ask(api))
    expect(created.outcome.change).toBe('created')
    const version = fileVersion(created.path)

    const replayed = await session(dir, 'replay', ask(api))
    expect(replayed.outcome.replayed).toBe(1)
    expect(fileVersion(created.path)).toBe(version)

    await session(dir, 'live', ask(api))
    expect(fileVersion(created.path)).toBe(version)

    const updated = await session(dir, 'update', ask(api))
    expect(updated.outcome.recorded).toBe(1)
    expect(api.requests).toHaveLength(4)
  })

  it('unchanged content is not rewritten (new mode hit, update with identical traffic)', async () => {
    const dir = tempDir()
    const api = await fakeApi(false)
    const created = await session(dir, 'new', ask(api))
    const version = fileVersion(created.path)
    await new Promise((resolve) => setTimeout(resolve, 20))

    const hit = await session(dir, 'new', ask(api))
    expect(hit.outcome).toMatchObject({ replayed: 1, recorded: 0, change: 'none' })
    expect(fileVersion(created.path)).toBe(version)

    const rerecorded = await session(dir, 'update', ask(api))
    expect(rerecorded.outcome).toMatchObject({ recorded: 1, change: 'none' })
    expect(fileVersion(created.path)).toBe(version)
  })

  for (const randomIds of [false, true]) {
    it(`a re-record of identical traffic is byte-identical (randomIds: ${randomIds})`, async () => {
      const api = await fakeApi(randomIds)
      const traffic = async () => {
        await postJson(`${api.url}/v1/chat/completions`, chat('identical'))
        await readChunks(
          await fetch(`${api.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(
              chat('identical', { stream: true, stream_options: { include_usage: true } }),
            ),
          }),
        )
        await readChunks(
          await fetch(`${api.url}/v1/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'claude-fake',
              max_tokens: 9,
              stream: true,
              messages: [{ role: 'user', content: 'x' }],
            }),
          }),
        )
        await postJson(`${api.url}/v1/responses`, { model: 'gpt-4o', input: 'identical' })
        await (await fetch(`${api.url}/gzip.json`)).json()
      }
      const texts: string[] = []
      for (let i = 0; i < 2; i++) {
        const dir = tempDir()
        const run = await session(dir, 'update', traffic)
        expect(run.outcome.recorded).toBe(5)
        texts.push(readFileSync(run.path, 'utf8'))
      }
      expect(texts[1]).toBe(texts[0])
    })
  }

  it('volatile response headers are not stored; rate-limit limits are; request ids are normalized', async () => {
    const { file } = await recordThenReplay((api) =>
      postJson(`${api.url}/v1/chat/completions`, chat('headers')),
    )
    const { headers } = only(file).response
    expect(headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/)
    for (const name of [
      'date',
      'openai-processing-ms',
      'x-ratelimit-reset-requests',
      'x-ratelimit-remaining-requests',
      'content-length',
      'connection',
      'keep-alive',
    ]) {
      expect(headers, name).not.toHaveProperty(name)
    }
    expect(headers['x-ratelimit-limit-requests']).toBe('500')
    expect(headers['content-type']).toBe('application/json')
  })
})

describe('recording file format v1', () => {
  it('has the documented shape, key order and one line per SSE event (60 events → 60 lines)', async () => {
    const { file, path, dir } = await recordThenReplay(async (api) =>
      readChunks(
        await fetch(`${api.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-0123456789abcdef' },
          body: JSON.stringify(chat('sixty', { stream: true, n_events: 58 })),
        }),
      ),
    )
    const text = readFileSync(path, 'utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect(
      text.startsWith('{\n  "format": "fetch-recordings/1",\n  "test_id": "case.test.ts > suite > case",\n'),
    ).toBe(true)
    expect(Object.keys(file)).toEqual(['format', 'test_id', 'interactions'])
    const interaction = only(file)
    expect(Object.keys(interaction)).toEqual(['request', 'response', 'id_normalization_mapping'])
    expect(Object.keys(interaction.request)).toEqual([
      'method',
      'url',
      'endpoint',
      'model',
      'headers',
      'body_encoding',
      'body',
    ])
    expect(interaction.request.headers).toEqual({ 'content-type': 'application/json' })
    expect(Object.keys(interaction.response).slice(0, 3)).toEqual(['status', 'headers', 'is_streaming'])
    // The streamed body: one line per event, each a complete JSON value.
    const lines = text.split('\n')
    const start = lines.findIndex((line) => /^ {8}"body": \[$/.test(line) && lines.indexOf(line) > 10)
    const end = lines.indexOf('        ]', start)
    const eventLines = lines.slice(start + 1, end)
    expect(eventLines).toHaveLength(60)
    for (const line of eventLines) expect(() => JSON.parse(line.trim().replace(/,$/, ''))).not.toThrow()
    expect(eventLines.at(-1)!.trim()).toBe('{"data":"[DONE]"}')
    // Everything else is 2-space pretty JSON: printing the parsed file that way, with each event
    // put back on its own line, gives the exact text.
    const events = interaction.response.body as unknown[]
    const placeholders = {
      ...file,
      interactions: [
        { ...interaction, response: { ...interaction.response, body: events.map((_, i) => `@@${i}@@`) } },
      ],
    }
    const expected = JSON.stringify(placeholders, null, 2).replace(/"@@(\d+)@@"/g, (_, i) =>
      JSON.stringify(events[Number(i)]),
    )
    expect(text).toBe(`${expected}\n`)
    expect(allFiles(dir)).toEqual([path])
  })

  it('a recording written by hand in the documented shape replays', async () => {
    const dir = tempDir()
    const api = await fakeApi()
    const created = await session(dir, 'new', () => postJson(`${api.url}/v1/chat/completions`, chat('hand')))
    await api.close()
    const file = readRecording(created.path)
    ;(file.interactions[0]!.response.body as any).choices[0].message.content = 'edited by hand'
    writeFileSync(created.path, JSON.stringify(file))
    const replayed = await session(dir, 'replay', () =>
      postJson(`${api.url}/v1/chat/completions`, chat('hand')),
    )
    expect(replayed.result!.json.choices[0].message.content).toBe('edited by hand')
    expect(statSync(created.path).size).toBeGreaterThan(0)
  })

  it('a stored URL spelled by hand as the URL parser would not print it still matches', async () => {
    // Keying a stored URL without query or userinfo skips one parse (docs/performance.md): the
    // key must still be the parsed form, whatever spelling the file holds.
    const dir = tempDir()
    const api = await fakeApi()
    const send = () => postJson(`${api.url}/v1/chat/completions`, chat('spelled'))
    const created = await session(dir, 'new', send)
    await api.close()
    const file = readRecording(created.path)
    const stored = file.interactions[0]!.request
    const url = new URL(stored.url)
    stored.url = `HTTP://${url.host}/v1/./models/../chat/completions`
    writeFileSync(created.path, JSON.stringify(file))
    const replayed = await session(dir, 'replay', send)
    expect(replayed.error).toBeUndefined()
    expect(replayed.result!.json.choices[0].message.content).toBe(
      created.result!.json.choices[0].message.content,
    )
  })
})
