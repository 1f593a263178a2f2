/**
 * Real conversations for `show`: each provider's SDK against the loopback fake APIs, recorded
 * by the core recorder into a temp folder (one recording per provider), plus the AI SDK's UI
 * message stream served by a small route that calls the fake OpenAI API itself.
 */
import { createServer, type Server } from 'node:http'
import { createOpenAI } from '@ai-sdk/openai'
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { streamText } from 'ai'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { session } from '../support/core-helpers.js'
import type { FakeApi } from '../support/fake-apis.js'

const API_KEY = 'sk-test-0123456789abcdef'

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}

async function openaiChat(api: FakeApi): Promise<void> {
  const client = new OpenAI({ apiKey: API_KEY, baseURL: `${api.url}/v1`, maxRetries: 0 })
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a weather assistant.' },
    { role: 'user', content: 'What is the weather in Oslo?' },
  ]
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    tools: [WEATHER_TOOL],
    stream: true,
  })
  const call = { id: '', name: '', args: '' }
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta.tool_calls?.[0]
    call.id ||= piece?.id ?? ''
    call.name += piece?.function?.name ?? ''
    call.args += piece?.function?.arguments ?? ''
  }
  messages.push(
    {
      role: 'assistant',
      tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }],
    },
    { role: 'tool', tool_call_id: call.id, content: '{"temperature":3,"sky":"snow"}' },
  )
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] })
}

async function openaiResponses(api: FakeApi): Promise<void> {
  const client = new OpenAI({ apiKey: API_KEY, baseURL: `${api.url}/v1`, maxRetries: 0 })
  const stream = await client.responses.create({
    model: 'gpt-4.1',
    instructions: 'Answer briefly.',
    input: 'Name three fjords',
    stream: true,
  })
  for await (const _event of stream);
}

async function anthropic(api: FakeApi): Promise<void> {
  const client = new Anthropic({ apiKey: API_KEY, baseURL: api.url, maxRetries: 0 })
  const stream = client.messages.stream({
    model: 'claude-sonnet-4-5',
    max_tokens: 128,
    system: 'You are terse.',
    messages: [{ role: 'user', content: 'Greet the reviewer' }],
  })
  await stream.finalMessage()
}

async function gemini(api: FakeApi): Promise<void> {
  const ai = new GoogleGenAI({ apiKey: API_KEY, httpOptions: { baseUrl: api.url } })
  const stream = await ai.models.generateContentStream({
    model: 'gemini-2.5-flash',
    contents: 'Describe the aurora',
    config: { systemInstruction: 'One sentence.' },
  })
  for await (const _chunk of stream);
}

async function ollama(api: FakeApi): Promise<void> {
  const client = new Ollama({ host: api.url })
  const stream = await client.chat({
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'Why is the sky blue?' }],
    stream: true,
  })
  for await (const _part of stream);
}

/** A route as an app would write it: the AI SDK calls the provider and streams UI chunks. */
async function aiSdkRoute(api: FakeApi): Promise<Server> {
  const provider = createOpenAI({ baseURL: `${api.url}/v1`, apiKey: API_KEY })
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const { messages } = JSON.parse(text)
    const prompt = messages
      .at(-1)
      .parts.map((part: { text: string }) => part.text)
      .join('')
    streamText({ model: provider.chat('gpt-4o-mini'), prompt, maxRetries: 0 }).pipeUIMessageStreamToResponse(
      res,
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

async function aiSdk(api: FakeApi): Promise<void> {
  const server = await aiSdkRoute(api)
  try {
    const { port } = server.address() as { port: number }
    const response = await fetch(`http://127.0.0.1:${port}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'chat-1',
        messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'Plan a trip to Bergen' }] }],
      }),
    })
    await response.text()
  } finally {
    server.close()
  }
}

export const CONVERSATIONS: Record<string, (api: FakeApi) => Promise<void>> = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  anthropic,
  gemini,
  ollama,
  'ai-sdk': aiSdk,
}

/** Records every conversation into `dir`; returns the recording file of each. */
export async function recordConversations(dir: string, api: FakeApi): Promise<Record<string, string>> {
  const paths: Record<string, string> = {}
  for (const [name, conversation] of Object.entries(CONVERSATIONS)) {
    const result = await session(dir, 'update', () => conversation(api), {
      testName: name,
      testFile: 'show.test.ts',
    })
    if (result.thrown) throw result.thrown
    paths[name] = result.path
  }
  return paths
}
