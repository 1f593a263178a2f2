/**
 * The test file a fixture project runs: today's SDK majors, streaming, each test writing what
 * its SDK handed it to OUT_DIR, so the outer test can compare the record run with the replay
 * run. The same body serves Vitest (ESM imports) and Jest (CommonJS requires).
 */

const MODULES: Array<[names: string, from: string]> = [
  ['OpenAI', 'openai'],
  ['Anthropic', '@anthropic-ai/sdk'],
  ['GoogleGenAI', '@google/genai'],
  ['Ollama', 'ollama'],
  ['Groq', 'groq-sdk'],
  ['CohereClientV2', 'cohere-ai'],
]
/**
 * ESM only (ai 7, Mistral 2): Jest 30 cannot require them without its experimental VM modules
 * (measured on Node 20 to 26), so only the Vitest fixture runs them.
 */
const ESM_ONLY: Array<[names: string, from: string]> = [
  ['streamText', 'ai'],
  ['createOpenAI', '@ai-sdk/openai'],
  ['Mistral', '@mistralai/mistralai'],
]

/** Packages a Vitest fixture links from this repository's node_modules. */
export const SDK_PACKAGES = [...MODULES, ...ESM_ONLY]
  .map(([, from]) => from)
  .filter((from) => from !== 'openai')

const BODY = `
const base = process.env.FAKE_API_URL
const key = 'sk-fixture-0123456789abcdef'
const collect = async (stream) => { const out = []; for await (const item of stream) out.push(item); return out }
const keep = (name, value) => {
  writeFileSync(join(process.env.OUT_DIR, name + '.json'), JSON.stringify(value, null, 2))
  return value
}

test('openai: chat and responses, streamed', async () => {
  const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', maxRetries: 0 })
  const chunks = await collect(await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi openai' }] }))
  const events = await collect(await client.responses.create({ model: 'gpt-4o-mini', input: 'hi responses', stream: true }))
  const text = keep('openai', { chunks, events }).chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
  expect(text).toBe('Echo: hi openai')
})

test('anthropic: messages.stream', async () => {
  const client = new Anthropic({ apiKey: key, baseURL: base, maxRetries: 0 })
  const stream = client.messages.stream({ model: 'claude-fake', max_tokens: 64, messages: [{ role: 'user', content: 'hi claude' }] })
  const message = keep('anthropic', await stream.finalMessage())
  expect(message.content[0].text).toBe('Echo: hi claude')
})

test('google: generateContentStream', async () => {
  const ai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: base } })
  const chunks = await collect(await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi gemini' }))
  const texts = keep('google', chunks.map((c) => ({ text: c.text, id: c.responseId })))
  expect(texts.map((c) => c.text).join('')).toBe('Echo: hi gemini')
})

test('ollama: chat, NDJSON stream', async () => {
  const client = new Ollama({ host: base })
  const parts = keep('ollama', await collect(await client.chat({ model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'hi llama' }] })))
  expect(parts.map((p) => p.message.content).join('')).toBe('Echo: hi llama')
})

test('groq: chat stream', async () => {
  const client = new Groq({ apiKey: key, baseURL: base, maxRetries: 0 })
  const chunks = keep('groq', await collect(await client.chat.completions.create({ model: 'llama-3.3-70b-versatile', stream: true, messages: [{ role: 'user', content: 'hi groq' }] })))
  expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hi groq')
})

test('cohere: chatStream', async () => {
  const client = new CohereClientV2({ token: key, environment: base })
  const events = keep('cohere', await collect(await client.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hi cohere' }] })))
  expect(events.at(-1).type).toBe('message-end')
})
`

const ESM_TESTS = `
test('ai: streamText on the Responses API', async () => {
  const provider = createOpenAI({ apiKey: key, baseURL: base + '/v1' })
  const result = streamText({ model: provider('gpt-4o-mini'), prompt: 'hi ai', maxRetries: 0 })
  const parts = keep('ai', await collect(result.textStream))
  expect(parts.join('')).toContain('Echo: hi ai')
})

test('mistral: chat.stream', async () => {
  const client = new Mistral({ apiKey: key, serverURL: base })
  const events = keep('mistral', await collect(await client.chat.stream({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'hi mistral' }] })))
  expect(events.map((e) => e.data.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hi mistral')
})
`

const withEsm = (runner: 'vitest' | 'jest') => runner === 'vitest'

/** The names each run writes to OUT_DIR (one file per test). */
export function scenarioOutputs(runner: 'vitest' | 'jest'): string[] {
  const names = ['openai', 'anthropic', 'google', 'ollama', 'groq', 'cohere']
  return withEsm(runner) ? [...names, 'ai', 'mistral'] : names
}

export function scenarioSource(runner: 'vitest' | 'jest'): string {
  const modules = withEsm(runner) ? [...MODULES, ...ESM_ONLY] : MODULES
  const tests = withEsm(runner) ? [BODY, ESM_TESTS] : [BODY]
  if (runner === 'jest') {
    const requires = modules.map(([name, from]) => `const { ${name} } = require('${from}')`)
    return [
      "const { writeFileSync } = require('node:fs')",
      "const { join } = require('node:path')",
      ...requires,
      ...tests,
    ].join('\n')
  }
  const imports = modules.map(([name, from]) => `import { ${name} } from '${from}'`)
  return [
    "import { writeFileSync } from 'node:fs'",
    "import { join } from 'node:path'",
    "import { expect, test } from 'vitest'",
    ...imports,
    ...tests,
  ].join('\n')
}
