/**
 * End to end with the real SDKs, today's majors and the previous ones (openai 7 and 6,
 * @anthropic-ai/sdk 1 and 0.x, ai 7 + @ai-sdk/openai 4 and ai 6 + @ai-sdk/openai 3) pointed at
 * the loopback fake API: record, stop the server, replay; the SDK output is identical, streams
 * included. The SDKs keep their own reference to fetch and retry: both must still work.
 */
import { createOpenAI } from '@ai-sdk/openai'
import Anthropic from '@anthropic-ai/sdk'
import { generateText, streamText } from 'ai'
import { createOpenAI as createOpenAI3 } from 'ai-sdk-openai3'
import * as ai6 from 'ai6'
import Anthropic0 from 'anthropic0'
import OpenAI from 'openai'
import OpenAI6 from 'openai6'
import { afterEach, describe, expect, it } from 'vitest'
import { readRecording, session, tempDir } from '../support/core-helpers.js'
import { type FakeApi, startFakeApi } from '../support/fake-apis.js'

const API_KEY = 'sk-test-0123456789abcdef'

const apis: FakeApi[] = []
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()))
})

/** Records `fn` in mode new, stops the server, replays it; returns both outputs. */
async function recordThenReplay<T>(fn: (api: FakeApi) => Promise<T>) {
  const dir = tempDir('fr-sdk-')
  const api = await startFakeApi()
  apis.push(api)
  const recorded = await session(dir, 'new', () => fn(api))
  expect(recorded.thrown).toBeUndefined()
  expect(recorded.error).toBeUndefined()
  const served = api.requests.length
  await api.close()
  const replayed = await session(dir, 'replay', () => fn(api))
  expect(replayed.thrown).toBeUndefined()
  expect(replayed.error).toBeUndefined()
  expect(api.requests.length).toBe(served)
  expect(replayed.outcome.replayed).toBe(recorded.outcome.recorded)
  return {
    dir,
    api,
    served,
    recorded: recorded.result as T,
    replayed: replayed.result as T,
    path: recorded.path,
  }
}

const OPENAI_MAJORS = [
  ['openai 7', OpenAI],
  ['openai 6', OpenAI6 as unknown as typeof OpenAI],
] as const

describe.each(OPENAI_MAJORS)('%s', (_major, Client) => {
  const openaiClient = (api: FakeApi, options: { maxRetries?: number; base?: string } = {}) =>
    new Client({
      apiKey: API_KEY,
      baseURL: `${api.url}${options.base ?? '/v1'}`,
      maxRetries: options.maxRetries ?? 0,
    })

  it('chat.completions.create, plain and streamed', async () => {
    const { recorded, replayed, path } = await recordThenReplay(async (api) => {
      const client = openaiClient(api)
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello sdk' }],
      })
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'stream sdk' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      const chunks = []
      for await (const chunk of stream) chunks.push(chunk)
      return { completion, chunks }
    })
    expect(recorded.completion.choices[0]?.message.content).toBe('Echo: hello sdk')
    expect(recorded.chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: stream sdk')
    expect(recorded.chunks.at(-1)?.usage?.completion_tokens).toBe(3)
    expect(replayed).toEqual(recorded)
    // The SDK's per-machine headers and the key are not in the file.
    const text = JSON.stringify(readRecording(path))
    expect(text).not.toContain(API_KEY)
    expect(text).not.toContain('x-stainless')
  })

  it('a retry on 500 then 200 is recorded and replayed in order', async () => {
    const { recorded, replayed, path, served } = await recordThenReplay(async (api) => {
      const client = openaiClient(api, { maxRetries: 2, base: '/flaky' })
      const started = Date.now()
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'flaky once' }],
      })
      return { completion, waited: Date.now() - started }
    })
    expect(served).toBe(2)
    const file = readRecording(path)
    expect(file.interactions.map((i) => i.response.status)).toEqual([500, 200])
    expect(file.interactions[0]!.request).toEqual(file.interactions[1]!.request)
    expect(recorded.completion.choices[0]?.message.content).toBe('Echo: flaky once')
    expect(replayed.completion).toEqual(recorded.completion)
    // The replayed 500 made the SDK back off and retry, as it did live.
    expect(replayed.waited).toBeGreaterThan(200)
  })
})

describe('a replay miss, through each SDK with its default retries', () => {
  /** fetch, counting the attempts the SDK makes. */
  function countingFetch() {
    const counter = { attempts: 0 }
    const counted: typeof fetch = (input, init) => {
      counter.attempts++
      return fetch(input, init)
    }
    return { counter, counted }
  }
  const SDKS: Record<
    string,
    (api: FakeApi, content: string, fetch: typeof globalThis.fetch) => Promise<unknown>
  > = {
    openai: (api, content, fetch) =>
      new OpenAI({ apiKey: API_KEY, baseURL: `${api.url}/v1`, fetch }).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content }],
      }),
    anthropic: (api, content, fetch) =>
      new Anthropic({ apiKey: API_KEY, baseURL: api.url, fetch }).messages.create({
        model: 'claude-fake',
        max_tokens: 64,
        messages: [{ role: 'user', content }],
      }),
    ai: (api, content, fetch) =>
      generateText({
        model: createOpenAI({ baseURL: `${api.url}/v1`, apiKey: API_KEY, fetch }).chat('gpt-4o-mini'),
        prompt: content,
      }),
  }

  for (const [name, ask] of Object.entries(SDKS)) {
    it(`${name}: answered at once (no retry), the SDK error carries the explanation, the test fails with RECORDING_MISS`, async () => {
      const dir = tempDir('fr-sdk-')
      const api = await startFakeApi()
      apis.push(api)
      await session(dir, 'new', () => ask(api, 'recorded', fetch))
      await api.close()
      const { counter, counted } = countingFetch()
      const replayed = await session(dir, 'replay', () => ask(api, 'not recorded', counted))
      expect(counter.attempts).toBe(1)
      expect(
        (replayed.thrown as { status?: number; statusCode?: number }).status ??
          (replayed.thrown as any).statusCode,
      ).toBe(400)
      expect(String((replayed.thrown as Error).message)).toContain(
        'No recorded response matches this request',
      )
      expect(replayed.error?.code).toBe('RECORDING_MISS')
      expect(replayed.error?.message).toMatch(/"recorded" → "not recorded"/)
      expect(api.requests).toHaveLength(1)
    })
  }
})

const ANTHROPIC_MAJORS = [
  ['@anthropic-ai/sdk 1', Anthropic],
  ['@anthropic-ai/sdk 0.x', Anthropic0 as unknown as typeof Anthropic],
] as const

describe.each(ANTHROPIC_MAJORS)('%s', (_major, Client) => {
  it('messages.stream and messages.create({ stream: true }) in one test (identical requests)', async () => {
    const { recorded, replayed, path } = await recordThenReplay(async (api) => {
      const client = new Client({ apiKey: API_KEY, baseURL: api.url, maxRetries: 0 })
      const params = {
        model: 'claude-fake',
        max_tokens: 64,
        messages: [{ role: 'user' as const, content: 'hello claude' }],
      }
      const texts: string[] = []
      const stream = client.messages.stream(params).on('text', (text) => texts.push(text))
      const message = await stream.finalMessage()
      const raw = await client.messages.create({ ...params, stream: true })
      const events = []
      for await (const event of raw) events.push(event)
      const plain = await client.messages.create(params)
      return { texts, message, events, plain }
    })
    expect(recorded.texts.join('')).toBe('Echo: hello claude')
    expect(recorded.message.content).toEqual([{ type: 'text', text: 'Echo: hello claude' }])
    expect(recorded.events.map((e) => e.type)).toContain('message_stop')
    expect(replayed).toEqual(recorded)
    const file = readRecording(path)
    expect(file.interactions).toHaveLength(3)
    expect(JSON.stringify(file)).not.toContain(API_KEY)
  })
})

const AI_MAJORS = [
  ['ai 7 + @ai-sdk/openai 4', { createOpenAI, generateText, streamText }],
  [
    'ai 6 + @ai-sdk/openai 3',
    {
      createOpenAI: createOpenAI3,
      generateText: ai6.generateText,
      streamText: ai6.streamText,
    } as unknown as {
      createOpenAI: typeof createOpenAI
      generateText: typeof generateText
      streamText: typeof streamText
    },
  ],
] as const

describe.each(AI_MAJORS)('%s', (_major, sdk) => {
  it('generateText and streamText', async () => {
    const { recorded, replayed } = await recordThenReplay(async (api) => {
      const provider = sdk.createOpenAI({ baseURL: `${api.url}/v1`, apiKey: API_KEY })
      const model = provider.chat('gpt-4o-mini')
      const generated = await sdk.generateText({ model, prompt: 'generate this', maxRetries: 0 })
      const streamed = sdk.streamText({ model, prompt: 'stream this', maxRetries: 0 })
      const parts: string[] = []
      for await (const part of streamed.textStream) parts.push(part)
      return {
        generated: {
          text: generated.text,
          finishReason: generated.finishReason,
          usage: generated.usage,
          id: generated.response.id,
          timestamp: generated.response.timestamp.toISOString(),
        },
        streamed: {
          parts,
          text: await streamed.text,
          finishReason: await streamed.finishReason,
          usage: await streamed.usage,
          id: (await streamed.response).id,
        },
      }
    })
    expect(recorded.generated.text).toBe('Echo: generate this')
    expect(recorded.generated.finishReason).toBe('stop')
    expect(recorded.streamed.text).toBe('Echo: stream this')
    expect(recorded.streamed.parts.length).toBeGreaterThan(1)
    expect(replayed).toEqual(recorded)
  })
})
