// A small "assistant" test suite as a user would write it: real SDK calls, no mocks.
// The recordings in test/__recordings__/ were made once; every run replays them offline.

import { createOpenAI } from '@ai-sdk/openai'
import Anthropic from '@anthropic-ai/sdk'
import { generateText } from 'ai'
import OpenAI from 'openai'
import { describe, expect, test } from 'vitest'

const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY || 'sk-demo-not-a-real-key-000000',
  maxRetries: 0,
})
const anthropic = new Anthropic({
  apiKey: process.env.ANTHROPIC_API_KEY || 'sk-ant-demo-not-a-real-key-0000',
  maxRetries: 0,
})

describe('assistant', () => {
  test('answers a question', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to the demo' }],
    })
    expect(completion.choices[0]?.message.content).toContain('hello to the demo')
    expect(completion.id).toMatch(/^chatcmpl-rec/)
  })

  test('streams an answer event by event', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Count one two three four' }],
    })
    const pieces: string[] = []
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta?.content ?? '')
    expect(pieces.filter(Boolean).length).toBeGreaterThan(3)
    expect(pieces.join('')).toContain('one two three four')
  })

  test.each(['claude-haiku-4-5', 'claude-opus-4-5'])('streams with Anthropic [%s]', async (model) => {
    const stream = anthropic.messages.stream({
      model,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Greet the demo' }],
    })
    const message = await stream.finalMessage()
    expect(message.content[0]?.type).toBe('text')
  })

  test('works through the Vercel AI SDK', async () => {
    const provider = createOpenAI({ apiKey: 'sk-demo-not-a-real-key-000000' })
    const { text } = await generateText({ model: provider.chat('gpt-4o-mini'), prompt: 'Summarize the demo' })
    expect(text).toContain('Summarize the demo')
  })
})
