/**
 * Gemini (`models/<model>:generateContent`, `:streamGenerateContent?alt=sse`): `contents`
 * with `parts` (text, `functionCall`, `functionResponse`) in, `candidates` out; each streamed
 * event is a partial response whose parts add up.
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

export const gemini: Provider = {
  kind: 'Gemini',
  matches: (interaction) => /:(stream)?generateContent$/i.test(endpointOf(interaction)),
  request(body) {
    const blocks = toolsBlock(
      objects(body.tools).flatMap((tool) => objects(tool.functionDeclarations).map((fn) => fn.name)),
    )
    const system = contentText(body.systemInstruction?.parts ?? body.systemInstruction)
    if (system) blocks.push(block('system', system, 'system'))
    for (const content of objects(body.contents))
      blocks.push(...partBlocks(content.role ?? 'user', content.parts))
    return blocks
  },
  response(interaction) {
    const chunks = jsonBody(interaction)
      ? [jsonBody(interaction) as Record<string, any>]
      : objects(streamedData(interaction))
    const parts: Record<string, any>[] = []
    let finish: unknown
    let counts: Record<string, unknown> = {}
    for (const chunk of chunks) {
      const candidate = objects(chunk.candidates)[0]
      parts.push(...objects(candidate?.content?.parts))
      if (candidate?.finishReason) finish = candidate.finishReason
      if (chunk.usageMetadata) counts = chunk.usageMetadata
    }
    return [
      ...partBlocks('model', mergeText(parts)),
      ...finishBlock(finish),
      ...usageBlock([
        ['prompt', counts.promptTokenCount],
        ['candidates', counts.candidatesTokenCount],
        ['total', counts.totalTokenCount],
      ]),
      ...errorBlocks(interaction),
    ]
  },
}

/** Adjacent text parts of a stream are one answer. */
function mergeText(parts: Record<string, any>[]): Record<string, any>[] {
  const merged: Record<string, any>[] = []
  for (const part of parts) {
    const last = merged.at(-1)
    if (typeof part.text === 'string' && typeof last?.text === 'string' && !part.thought)
      last.text += part.text
    else merged.push({ ...part })
  }
  return merged
}

function partBlocks(role: unknown, parts: unknown): Block[] {
  return objects(parts).flatMap((part): Block[] => {
    if (typeof part.text === 'string')
      return [
        block(part.thought ? 'thought' : String(role), part.text, part.thought ? 'meta' : toneOfRole(role)),
      ]
    if (part.functionCall)
      return [toolCall(part.functionCall.name, part.functionCall.args, part.functionCall.id)]
    if (part.functionResponse)
      return [
        block(
          `tool result [${part.functionResponse.name ?? '?'}]`,
          compactJson(part.functionResponse.response),
          'tool',
        ),
      ]
    return [block(Object.keys(part)[0] ?? 'part', compactJson(part), 'meta')]
  })
}

export function geminiModel(interaction: AnsweredInteraction): string | undefined {
  return /models\/([^/:]+):/.exec(endpointOf(interaction))?.[1]
}
