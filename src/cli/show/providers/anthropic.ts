/**
 * Anthropic Messages: `system` and `messages` whose content is text or blocks (`text`,
 * `tool_use`, `tool_result`, `thinking`); a stream is `message_start`, per block
 * `content_block_start` / `_delta` (text, `input_json_delta` pieces of tool input) / `_stop`,
 * then `message_delta` with the stop reason and the output token count.
 */
import type { AnsweredInteraction } from '../view.js'
import {
  type Block,
  block,
  compactJson,
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

export const anthropic: Provider = {
  kind: 'Anthropic Messages',
  matches: (interaction) => /\/v1\/messages$/.test(endpointOf(interaction)),
  request(body) {
    const blocks = toolsBlock(objects(body.tools).map((tool) => tool.name ?? tool.type))
    const system = contentText(body.system)
    if (system) blocks.push(block('system', system, 'system'))
    for (const message of objects(body.messages)) blocks.push(...contentBlocks(message.role, message.content))
    return blocks
  },
  response(interaction) {
    const body = jsonBody(interaction)
    const message = body ?? assembleStream(interaction)
    if (body?.type === 'error') return errorBlocks(interaction)
    return [
      ...contentBlocks('assistant', message.content),
      ...finishBlock(message.stop_reason),
      ...usage(message.usage),
      ...errorBlocks(interaction),
    ]
  },
}

function contentBlocks(role: unknown, content: unknown): Block[] {
  if (typeof content === 'string') return [block(String(role ?? 'user'), content, toneOfRole(role))]
  return objects(content).flatMap((part): Block[] => {
    if (part.type === 'text')
      return [block(String(role ?? 'user'), String(part.text ?? ''), toneOfRole(role))]
    if (part.type === 'tool_use') return [toolCall(part.name, part.input, part.id)]
    if (part.type === 'tool_result')
      return [block(`tool result [${part.tool_use_id ?? '?'}]`, contentText(part.content), 'tool')]
    if (part.type === 'thinking') return [block('thinking', String(part.thinking ?? ''), 'meta')]
    return [block(String(part.type ?? 'part'), compactJson(part), 'meta')]
  })
}

function usage(value: unknown): Block[] {
  const counts = (value ?? {}) as Record<string, unknown>
  return usageBlock([
    ['input', counts.input_tokens],
    ['output', counts.output_tokens],
    ['cache read', counts.cache_read_input_tokens || undefined],
  ])
}

/** The message a stream describes, built from its events as the SDK's accumulator would. */
function assembleStream(interaction: AnsweredInteraction): Record<string, any> {
  const message: Record<string, any> = { content: [], usage: {} }
  const inputs = new Map<number, string>()
  for (const event of objects(streamedData(interaction))) {
    if (event.type === 'message_start') Object.assign(message.usage, event.message?.usage)
    if (event.type === 'content_block_start') message.content[event.index] = { ...event.content_block }
    if (event.type === 'content_block_delta')
      applyDelta(message.content[event.index], event.delta, event.index, inputs)
    if (event.type === 'message_delta') {
      if (event.delta?.stop_reason) message.stop_reason = event.delta.stop_reason
      Object.assign(message.usage, event.usage)
    }
  }
  for (const [index, json] of inputs) if (message.content[index]) message.content[index].input = json
  message.content = message.content.filter(Boolean)
  return message
}

function applyDelta(
  target: Record<string, any> | undefined,
  delta: any,
  index: number,
  inputs: Map<number, string>,
): void {
  if (!target || !delta) return
  if (delta.type === 'text_delta') target.text = `${target.text ?? ''}${delta.text ?? ''}`
  if (delta.type === 'thinking_delta') target.thinking = `${target.thinking ?? ''}${delta.thinking ?? ''}`
  if (delta.type === 'input_json_delta')
    inputs.set(index, `${inputs.get(index) ?? ''}${delta.partial_json ?? ''}`)
}
