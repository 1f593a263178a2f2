/**
 * The Vercel AI SDK's own wire, between an app's route and `useChat`: UI messages (`parts`) in;
 * out, the UI message stream (SSE of typed chunks: `text-delta`, `tool-input-delta`,
 * `tool-input-available`, `tool-output-available`, `finish`, `error`; header
 * `x-vercel-ai-ui-message-stream`) or the older data stream (text lines `0:"…"`, `9:{tool call}`,
 * `a:{tool result}`, `d:{finish}`). Calls from the SDK to a provider use that provider's wire.
 */
import { isPlainObject } from '../../../format/format.js'
import {
  type Block,
  block,
  compactJson,
  errorBlocks,
  finishBlock,
  objects,
  type Provider,
  streamedData,
  toneOfRole,
  toolCall,
  usageBlock,
} from '../view.js'

const UI_CHUNK_TYPES = new Set([
  'start',
  'text-start',
  'text-delta',
  'text-end',
  'finish',
  'start-step',
  'finish-step',
])

export const aiSdk: Provider = {
  kind: 'AI SDK UI stream',
  matches(interaction) {
    const { headers } = interaction.response
    if (headers['x-vercel-ai-ui-message-stream'] || headers['x-vercel-ai-data-stream']) return true
    const first = objects(streamedData(interaction))[0]
    return typeof first?.type === 'string' && UI_CHUNK_TYPES.has(first.type)
  },
  request(body) {
    return objects(body.messages).flatMap((message) => {
      const role = String(message.role ?? 'user')
      if (typeof message.content === 'string') return [block(role, message.content, toneOfRole(role))]
      return objects(message.parts).flatMap((part): Block[] => {
        if (part.type === 'text') return [block(role, String(part.text ?? ''), toneOfRole(role))]
        if (typeof part.type === 'string' && part.type.startsWith('tool-'))
          return [toolCall(part.type.slice(5), part.input, part.toolCallId)]
        return []
      })
    })
  },
  response(interaction) {
    const { body } = interaction.response
    const blocks = typeof body === 'string' ? dataStream(body) : uiStream(objects(streamedData(interaction)))
    return [...blocks, ...errorBlocks(interaction)]
  },
}

function uiStream(chunks: Record<string, any>[]): Block[] {
  let text = ''
  let finish: unknown
  const inputs = new Map<string, { name: string; input: string }>()
  const blocks: Block[] = []
  // Text and tool calls stay in the order they streamed: text so far is a block before a tool.
  const flushText = () => {
    if (text) blocks.push(block('assistant', text, 'assistant'))
    text = ''
  }
  for (const chunk of chunks) {
    if (chunk.type === 'text-delta') text += chunk.delta ?? chunk.textDelta ?? ''
    else if (chunk.type === 'tool-input-start')
      inputs.set(chunk.toolCallId, { name: chunk.toolName, input: '' })
    else if (chunk.type === 'tool-input-delta') {
      const call = inputs.get(chunk.toolCallId)
      if (call) call.input += chunk.inputTextDelta ?? ''
    } else if (chunk.type === 'tool-input-available') {
      flushText()
      inputs.delete(chunk.toolCallId)
      blocks.push(toolCall(chunk.toolName, chunk.input, chunk.toolCallId))
    } else if (chunk.type === 'tool-output-available') {
      flushText()
      blocks.push(block(`tool result [${chunk.toolCallId}]`, compactJson(chunk.output), 'tool'))
    } else if (chunk.type === 'error') {
      flushText()
      blocks.push(block('error', String(chunk.errorText ?? ''), 'error'))
    } else if (chunk.type === 'finish') finish = chunk.finishReason
  }
  flushText()
  // Tool input that never became available: the stream was cut while it arrived.
  for (const [id, call] of inputs) blocks.push(toolCall(call.name, call.input, id))
  return [...blocks, ...finishBlock(finish)]
}

/** The data stream protocol (AI SDK 4): one `<code>:<json>` per line. */
function dataStream(body: string): Block[] {
  let text = ''
  const blocks: Block[] = []
  let finish: Record<string, any> = {}
  for (const line of body.split('\n')) {
    const match = /^([0-9a-z]):(.*)$/.exec(line)
    if (!match) continue
    let value: unknown
    try {
      value = JSON.parse(match[2] as string)
    } catch {
      continue
    }
    const code = match[1]
    if (code === '0' && typeof value === 'string') text += value
    if (code === '9' && isPlainObject(value))
      blocks.push(toolCall(value.toolName, value.args, value.toolCallId))
    if (code === 'a' && isPlainObject(value))
      blocks.push(block(`tool result [${value.toolCallId}]`, compactJson(value.result), 'tool'))
    if (code === '3') blocks.push(block('error', String(value), 'error'))
    if (code === 'd' && isPlainObject(value)) finish = value
  }
  return [
    ...(text ? [block('assistant', text, 'assistant')] : []),
    ...blocks,
    ...finishBlock(finish.finishReason),
    ...usageBlock([
      ['prompt', finish.usage?.promptTokens],
      ['completion', finish.usage?.completionTokens],
    ]),
  ]
}
