/**
 * Ollama's own API: `/api/chat` (messages, tool calls with object arguments) and
 * `/api/generate` (a prompt); streamed as NDJSON, the last line `done: true` with the counts.
 */
import {
  type Block,
  block,
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

export const ollama: Provider = {
  kind: 'Ollama',
  matches: (interaction) => /\/api\/(chat|generate)$/.test(endpointOf(interaction)),
  request(body) {
    const blocks = toolsBlock(objects(body.tools).map((tool) => tool.function?.name ?? tool.type))
    if (typeof body.system === 'string') blocks.push(block('system', body.system, 'system'))
    if (typeof body.prompt === 'string') blocks.push(block('user', body.prompt, 'user'))
    for (const message of objects(body.messages)) blocks.push(...messageBlocks(message))
    return blocks
  },
  response(interaction) {
    const lines = jsonBody(interaction)
      ? [jsonBody(interaction) as Record<string, any>]
      : objects(streamedData(interaction))
    let text = ''
    const calls: Block[] = []
    let last: Record<string, any> = {}
    for (const line of lines) {
      text += typeof line.response === 'string' ? line.response : (line.message?.content ?? '')
      for (const call of objects(line.message?.tool_calls))
        calls.push(toolCall(call.function?.name, call.function?.arguments))
      last = line
    }
    return [
      ...(text ? [block('assistant', text, 'assistant')] : []),
      ...calls,
      ...finishBlock(last.done_reason ?? (last.done ? 'done' : undefined)),
      ...usageBlock([
        ['prompt', last.prompt_eval_count],
        ['eval', last.eval_count],
      ]),
      ...errorBlocks(interaction),
    ]
  },
}

function messageBlocks(message: Record<string, any>): Block[] {
  const role = String(message.role ?? 'user')
  const blocks: Block[] = []
  if (typeof message.content === 'string' && message.content)
    blocks.push(block(role === 'tool' ? 'tool result' : role, message.content, toneOfRole(role)))
  for (const call of objects(message.tool_calls))
    blocks.push(toolCall(call.function?.name, call.function?.arguments))
  return blocks
}
