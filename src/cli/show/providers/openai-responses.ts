/**
 * OpenAI Responses: `instructions` and `input` (a string or a list of items: messages,
 * function calls and their outputs) in, `output` items out. A stream ends with
 * `response.completed` carrying the whole response; without it (cut short) the text and
 * argument deltas are assembled.
 */

import { isPlainObject } from '../../../format/format.js'
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

export const openaiResponses: Provider = {
  kind: 'OpenAI Responses',
  matches: (interaction) => /\/responses$/.test(endpointOf(interaction)),
  request(body) {
    const blocks = toolsBlock(objects(body.tools).map((tool) => tool.name ?? tool.type))
    if (typeof body.instructions === 'string') blocks.push(block('instructions', body.instructions, 'system'))
    if (typeof body.previous_response_id === 'string')
      blocks.push(block('continues', body.previous_response_id))
    if (typeof body.input === 'string') blocks.push(block('user', body.input, 'user'))
    for (const item of objects(body.input)) blocks.push(...itemBlocks(item))
    return blocks
  },
  response(interaction) {
    const response = jsonBody(interaction) ?? completedResponse(interaction)
    if (!response) return [...assembleDeltas(interaction), ...errorBlocks(interaction)]
    return [
      ...objects(response.output).flatMap(itemBlocks),
      ...finishBlock(response.status === 'completed' ? 'completed' : response.status),
      ...usage(response.usage),
      ...errorBlocks(interaction),
    ]
  },
}

function itemBlocks(item: Record<string, any>): Block[] {
  if (item.type === 'function_call') return [toolCall(item.name, item.arguments, item.call_id)]
  if (item.type === 'function_call_output')
    return [block(`tool result [${item.call_id ?? '?'}]`, contentText(item.output), 'tool')]
  if (item.type === 'reasoning') {
    const summary = objects(item.summary)
      .map((part) => part.text)
      .join('\n')
    return summary ? [block('reasoning', summary, 'meta')] : []
  }
  if (item.type === 'message' || item.role) {
    const text = contentText(item.content)
    return text ? [block(String(item.role ?? 'assistant'), text, toneOfRole(item.role ?? 'assistant'))] : []
  }
  return [block(String(item.type ?? 'item'), JSON.stringify(item), 'meta')]
}

function completedResponse(interaction: AnsweredInteraction): Record<string, any> | undefined {
  const events = objects(streamedData(interaction))
  const done = events.findLast(
    (event) => typeof event.type === 'string' && /^response\.(completed|incomplete|failed)$/.test(event.type),
  )
  return isPlainObject(done?.response) ? done.response : undefined
}

function assembleDeltas(interaction: AnsweredInteraction): Block[] {
  let text = ''
  for (const event of objects(streamedData(interaction)))
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') text += event.delta
  return text
    ? [block('assistant', text, 'assistant'), block('finish', 'stream ended before response.completed')]
    : []
}

function usage(value: unknown): Block[] {
  const counts = (value ?? {}) as Record<string, unknown>
  return usageBlock([
    ['input', counts.input_tokens],
    ['output', counts.output_tokens],
    ['total', counts.total_tokens],
  ])
}
