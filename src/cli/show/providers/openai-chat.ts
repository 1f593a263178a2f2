/**
 * OpenAI Chat Completions, and the many APIs that copy it (Groq, Mistral, Ollama's and vLLM's
 * OpenAI-compatible endpoints): `messages` in, `choices` out; a stream is `chat.completion.chunk`
 * deltas whose tool calls arrive in pieces keyed by `index`.
 */
import type { AnsweredInteraction } from '../view.js'
import {
  type Block,
  block,
  contentText,
  endpointOf,
  errorBlocks,
  finishBlock,
  jsonBody,
  objects,
  type Provider,
  streamedData,
  toneOfRole,
  toolCall,
  toolsBlock,
  usageBlock,
} from '../view.js'

export const openaiChat: Provider = {
  kind: 'OpenAI Chat Completions',
  matches: (interaction) => endpointOf(interaction).endsWith('/chat/completions'),
  request(body) {
    const blocks = toolsBlock(objects(body.tools).map((tool) => tool.function?.name ?? tool.type))
    for (const message of objects(body.messages)) blocks.push(...messageBlocks(message))
    return blocks
  },
  response(interaction) {
    const body = jsonBody(interaction)
    if (body) {
      const choice = objects(body.choices)[0]
      return [
        ...(choice ? messageBlocks({ role: 'assistant', ...choice.message }) : []),
        ...finishBlock(choice?.finish_reason),
        ...usage(body.usage),
        ...errorBlocks(interaction),
      ]
    }
    return assembleStream(interaction)
  },
}

function messageBlocks(message: Record<string, any>): Block[] {
  const tone = toneOfRole(message.role)
  const blocks: Block[] = []
  const text = contentText(message.content)
  if (message.role === 'tool') {
    blocks.push(block(`tool result${message.tool_call_id ? ` [${message.tool_call_id}]` : ''}`, text, 'tool'))
    return blocks
  }
  if (text) blocks.push(block(String(message.role ?? 'user'), text, tone))
  if (typeof message.refusal === 'string' && message.refusal)
    blocks.push(block('refusal', message.refusal, 'error'))
  for (const call of objects(message.tool_calls))
    blocks.push(toolCall(call.function?.name, call.function?.arguments, call.id))
  return blocks
}

function usage(value: unknown): Block[] {
  const counts = (value ?? {}) as Record<string, unknown>
  return usageBlock([
    ['prompt', counts.prompt_tokens],
    ['completion', counts.completion_tokens],
    ['total', counts.total_tokens],
  ])
}

interface PartialCall {
  id?: string
  name: string
  args: string
}

function assembleStream(interaction: AnsweredInteraction): Block[] {
  let text = ''
  let finish: unknown
  let counts: unknown
  const calls = new Map<number, PartialCall>()
  for (const chunk of objects(streamedData(interaction))) {
    if (chunk.usage) counts = chunk.usage
    for (const choice of objects(chunk.choices)) {
      const delta = choice.delta ?? {}
      if (typeof delta.content === 'string') text += delta.content
      for (const piece of objects(delta.tool_calls)) {
        const index = typeof piece.index === 'number' ? piece.index : calls.size
        const call = calls.get(index) ?? { name: '', args: '' }
        if (piece.id) call.id = piece.id
        if (piece.function?.name) call.name += piece.function.name
        if (typeof piece.function?.arguments === 'string') call.args += piece.function.arguments
        calls.set(index, call)
      }
      if (choice.finish_reason) finish = choice.finish_reason
    }
  }
  return [
    ...(text ? [block('assistant', text, 'assistant')] : []),
    ...[...calls.values()].map((call) => toolCall(call.name, call.args, call.id)),
    ...finishBlock(finish),
    ...usage(counts),
    ...errorBlocks(interaction),
  ]
}
