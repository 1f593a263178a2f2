/**
 * Today's SDK majors end to end against loopback servers that mint fresh ids, times and random
 * fields on every call, as the real APIs do: record, re-record (byte-identical file), stop the
 * server, replay (identical SDK output, streams included). One cycle per provider, several
 * calls in each.
 */

import { createOpenAI } from '@ai-sdk/openai'
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { Mistral } from '@mistralai/mistralai'
import { embed, generateText, streamText } from 'ai'
import { CohereClientV2 } from 'cohere-ai'
import Groq from 'groq-sdk'
import { Ollama } from 'ollama'
import OpenAI, { toFile } from 'openai'
import { describe, expect, it } from 'vitest'
import type { FakeApi } from '../support/fake-apis.js'
import { API_KEY, collect, recordTwiceThenReplay } from './sdk-helpers.js'

/** What the SDK handed the test, as plain data (no class instances, no functions). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value))
/**
 * Normalized ids keep the shape the fake APIs mint (a prefix and 24 letters and digits, hex,
 * uuids, base64url): the byte-identical re-record of recordTwiceThenReplay proves they were
 * normalized, these that client code validating the shape still accepts them.
 */
const BASE62_24 = '[A-Za-z0-9]{24}'
const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
const shaped = (pattern: string) => new RegExp(`^${pattern}$`)
const openai = (api: FakeApi) => new OpenAI({ apiKey: API_KEY, baseURL: `${api.url}/v1`, maxRetries: 0 })

describe('openai (today’s major)', () => {
  it('Chat Completions and Responses, plain and streamed (obfuscation on every chunk)', async () => {
    const { recorded, text } = await recordTwiceThenReplay(async (api) => {
      const client = openai(api)
      const messages = [{ role: 'user' as const, content: 'hello chat' }]
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages })
      const chunks = await collect(
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }),
      )
      const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello responses' })
      const events = await collect(
        await client.responses.create({ model: 'gpt-4o-mini', input: 'stream', stream: true }),
      )
      return plain({ completion, requestId: completion._request_id, chunks, response, events })
    })
    expect(recorded.completion.choices[0]?.message.content).toBe('Echo: hello chat')
    expect(recorded.requestId).toMatch(shaped('req_[0-9a-f]{32}'))
    expect(recorded.chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hello chat')
    expect(recorded.response.output_text).toContain('Echo: hello responses')
    expect(recorded.events.at(-1)?.type).toBe('response.completed')
    // The padding is there (the SDK passes it on) and no longer random.
    expect(text).toContain('"obfuscation":""')
    expect(text).not.toMatch(/"obfuscation":"[^"]/)
  })

  it('embeddings (the SDK asks for base64) and plain float vectors on one line each', async () => {
    const { recorded, text } = await recordTwiceThenReplay(async (api) => {
      const client = openai(api)
      const viaSdk = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] })
      const floats = await fetch(`${api.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ model: 'text-embedding-3-small', input: 'c', encoding_format: 'float' }),
      }).then((r) => r.json() as Promise<{ data: Array<{ embedding: number[] }> }>)
      return plain({ viaSdk, floats })
    })
    expect(recorded.viaSdk.data[0]?.embedding).toHaveLength(1536)
    expect(recorded.floats.data[0]?.embedding).toHaveLength(1536)
    const lines = text.split('\n')
    // 1,536 floats on one line, not 1,588 lines.
    expect(lines.filter((line) => /^\s*"embedding": \[-?\d/.test(line))).toHaveLength(1)
    expect(lines.length).toBeLessThan(120)
  })

  it('files: upload, then retrieve by the (normalized) id', async () => {
    const { recorded } = await recordTwiceThenReplay(async (api) => {
      const client = openai(api)
      const file = await client.files.create({
        file: await toFile(Buffer.from('the manual'), 'manual.txt'),
        purpose: 'assistants',
      })
      const again = await client.files.retrieve(file.id)
      return plain({ file, again })
    })
    expect(recorded.file.id).toMatch(shaped(`file-${BASE62_24}`))
    expect(recorded.again.filename).toBe('manual.txt')
  })
})

describe('@anthropic-ai/sdk (today’s major)', () => {
  it('messages, plain and streamed; request-id kept normalized', async () => {
    const { recorded } = await recordTwiceThenReplay(async (api) => {
      const client = new Anthropic({ apiKey: API_KEY, baseURL: api.url, maxRetries: 0 })
      const params = {
        model: 'claude-fake',
        max_tokens: 64,
        messages: [{ role: 'user' as const, content: 'hi' }],
      }
      const message = await client.messages.create(params)
      const events = await collect(await client.messages.create({ ...params, stream: true }))
      return plain({ message, requestId: message._request_id, events })
    })
    expect(recorded.message.id).toMatch(shaped(`msg_${BASE62_24}`))
    expect(recorded.requestId).toMatch(shaped('req_[A-Za-z0-9]{28}'))
    expect(recorded.events.map((e) => e.type)).toContain('message_stop')
  })
})

describe('@google/genai', () => {
  it('generateContent and streamGenerateContent?alt=sse, stored one event per line', async () => {
    const { recorded, text } = await recordTwiceThenReplay(async (api) => {
      const ai = new GoogleGenAI({ apiKey: API_KEY, httpOptions: { baseUrl: api.url } })
      const one = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello gemini' })
      const chunks = await collect(
        await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'stream gemini' }),
      )
      return plain({
        text: one.text,
        responseId: one.responseId,
        chunks: chunks.map((c) => c.text),
        ids: chunks.map((c) => c.responseId),
      })
    })
    expect(recorded.text).toBe('Echo: hello gemini')
    expect(recorded.responseId).toMatch(shaped('[A-Za-z0-9]{23}'))
    expect(recorded.chunks.join('')).toBe('Echo: stream gemini')
    expect(new Set(recorded.ids).size).toBe(1)
    expect(text).toMatch(/\n\s+\{"data":\{"candidates":/)
    expect(text).not.toContain('\\r\\n')
  })
})

describe('ollama', () => {
  it('/api/chat streamed (NDJSON) and /api/generate plain', async () => {
    const { recorded, text } = await recordTwiceThenReplay(async (api) => {
      const client = new Ollama({ host: api.url })
      const parts = await collect(
        await client.chat({
          model: 'llama3.2',
          messages: [{ role: 'user', content: 'hi llama' }],
          stream: true,
        }),
      )
      const generated = await client.generate({ model: 'llama3.2', prompt: 'generate', stream: false })
      return plain({ parts, generated })
    })
    expect(recorded.parts.map((p) => p.message.content).join('')).toBe('Echo: hi llama')
    expect(recorded.generated.response).toBe('Echo: generate')
    expect(recorded.generated.eval_duration).toBe(1_000_000)
    expect(text).toContain('"created_at":"2023-11-14T22:13:20.000Z"')
  })
})

describe('Vercel AI SDK (ai + @ai-sdk/openai, today’s majors)', () => {
  it('generateText and streamText on the Responses API, embed', async () => {
    const { recorded } = await recordTwiceThenReplay(async (api) => {
      const provider = createOpenAI({ baseURL: `${api.url}/v1`, apiKey: API_KEY })
      const generated = await generateText({
        model: provider('gpt-4o-mini'),
        prompt: 'generate',
        maxRetries: 0,
      })
      const streamed = streamText({ model: provider('gpt-4o-mini'), prompt: 'stream', maxRetries: 0 })
      const parts = await collect(streamed.textStream)
      const embedded = await embed({
        model: provider.embedding('text-embedding-3-small'),
        value: 'x',
        maxRetries: 0,
      })
      return plain({ text: generated.text, id: generated.response.id, parts, embedding: embedded.embedding })
    })
    expect(recorded.text).toContain('Echo: generate')
    expect(recorded.id).toMatch(shaped(`resp_${BASE62_24}`))
    expect(recorded.parts.join('')).toContain('Echo: stream')
    expect(recorded.embedding).toHaveLength(1536)
  })
})

describe('Mistral, Groq and Cohere', () => {
  it('@mistralai/mistralai: complete and stream', async () => {
    const { recorded } = await recordTwiceThenReplay(async (api) => {
      const client = new Mistral({ apiKey: API_KEY, serverURL: api.url })
      const messages = [{ role: 'user' as const, content: 'hi mistral' }]
      const complete = await client.chat.complete({ model: 'mistral-small-latest', messages })
      const events = await collect(await client.chat.stream({ model: 'mistral-small-latest', messages }))
      return plain({ complete, events })
    })
    expect(recorded.complete.id).toMatch(shaped('[0-9a-f]{32}'))
    expect(recorded.events.map((e) => e.data.choices[0]?.delta.content ?? '').join('')).toBe(
      'Echo: hi mistral',
    )
  })

  it('groq-sdk: create and stream (x_groq ids and timings)', async () => {
    const { recorded, text } = await recordTwiceThenReplay(async (api) => {
      const client = new Groq({ apiKey: API_KEY, baseURL: api.url, maxRetries: 0 })
      const messages = [{ role: 'user' as const, content: 'hi groq' }]
      const completion = await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages })
      const chunks = await collect(
        await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages, stream: true }),
      )
      return plain({ completion, chunks })
    })
    expect(recorded.completion.choices[0]?.message.content).toBe('Echo: hi groq')
    expect(recorded.completion.id).toMatch(shaped(`chatcmpl-${UUID_V4}`))
    expect(text).toContain('"queue_time": 0.001')
  })

  it('cohere-ai: chat and chatStream (uuid ids stay uuids)', async () => {
    const { recorded } = await recordTwiceThenReplay(async (api) => {
      const client = new CohereClientV2({ token: API_KEY, environment: api.url })
      const messages = [{ role: 'user' as const, content: 'hi cohere' }]
      const chat = await client.chat({ model: 'command-a-03-2025', messages })
      const events = await collect(await client.chatStream({ model: 'command-a-03-2025', messages }))
      return plain({ chat, events })
    })
    expect(recorded.chat.id).toMatch(shaped(UUID_V4))
    expect(recorded.events.map((e) => e.type)).toContain('message-end')
  })
})
