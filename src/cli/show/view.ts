/**
 * What `show` makes of one interaction, before any rendering: a title line and two lists of
 * labelled blocks (the request's conversation, the answer). The text and HTML renderers only
 * lay these out; the providers (providers/) only fill them.
 */
import type { Interaction, StoredResponse } from '../../format/format.js'

/** What providers read: an aborted request is shown with an empty response in its place. */
export type AnsweredInteraction = Interaction & { response: StoredResponse }

import { isPlainObject } from '../../format/format.js'

export type Tone = 'system' | 'user' | 'assistant' | 'tool' | 'meta' | 'error'

export interface Block {
  /** `user`, `assistant`, `tool call`, `finish`, `usage`, … */
  label: string
  text: string
  tone: Tone
}

export interface InteractionView {
  /** `POST /v1/chat/completions` */
  title: string
  /** Which wire shape it was read as: `OpenAI Chat Completions`, … or `HTTP`. */
  kind: string
  model?: string | undefined
  status: number
  /** `streamed, 12 events`, `truncated`, … */
  facts: string[]
  request: Block[]
  response: Block[]
}

/** One provider's reading of the wire shape it knows. */
export interface Provider {
  kind: string
  matches(interaction: AnsweredInteraction): boolean
  request(body: Record<string, any>, interaction: AnsweredInteraction): Block[]
  response(interaction: AnsweredInteraction): Block[]
}

export const block = (label: string, text: string, tone: Tone = 'meta'): Block => ({ label, text, tone })

export function toneOfRole(role: unknown): Tone {
  if (role === 'system' || role === 'developer') return 'system'
  if (role === 'assistant' || role === 'model') return 'assistant'
  if (role === 'tool' || role === 'function') return 'tool'
  return 'user'
}

/** The response's stream elements' data (SSE `data`, NDJSON lines), without `[DONE]`. */
export function streamedData(interaction: AnsweredInteraction): unknown[] {
  const { response } = interaction
  if (!Array.isArray(response.body)) return []
  if (response.body_encoding === 'ndjson') return response.body
  if (response.body_encoding !== 'sse') return []
  return response.body
    .map((event) => (isPlainObject(event) ? event.data : undefined))
    .filter((data) => data !== undefined && data !== '[DONE]')
}

/** A JSON response body, or undefined. */
export function jsonBody(interaction: AnsweredInteraction): Record<string, any> | undefined {
  const { body, body_encoding } = interaction.response
  return body_encoding === 'json' && isPlainObject(body) ? body : undefined
}

export function objects(value: unknown): Record<string, any>[] {
  return Array.isArray(value) ? value.filter(isPlainObject) : []
}

export function endpointOf(interaction: AnsweredInteraction): string {
  return interaction.request.endpoint || safePath(interaction.request.url)
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return url
  }
}

/** Arguments as compact JSON, whatever form they came in (a JSON string or an object). */
export function compactJson(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value))
    } catch {
      return value
    }
  }
  return JSON.stringify(value) ?? ''
}

export function toolCall(name: unknown, args: unknown, id?: unknown): Block {
  const suffix = typeof id === 'string' && id ? `  [${id}]` : ''
  return block('tool call', `${String(name ?? '?')}(${compactJson(args ?? {})})${suffix}`, 'assistant')
}

/** `prompt 12 · completion 5 · total 17`, from whichever counts are there. */
export function usageBlock(pairs: [string, unknown][]): Block[] {
  const parts = pairs
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => `${name} ${value}`)
  return parts.length > 0 ? [block('usage', parts.join(' · '))] : []
}

export function finishBlock(reason: unknown): Block[] {
  return typeof reason === 'string' && reason ? [block('finish', reason)] : []
}

/** The error message APIs put in their error bodies (`error.message`, or `message`). */
export function errorBlocks(interaction: AnsweredInteraction): Block[] {
  if (interaction.response.status < 400) return []
  const body = jsonBody(interaction)
  const error = body?.error
  const message =
    (isPlainObject(error) ? error.message : typeof error === 'string' ? error : undefined) ?? body?.message
  const text = typeof message === 'string' ? message : `HTTP ${interaction.response.status}`
  return [block('error', text, 'error')]
}

/** Text of content given as a string or as a list of typed parts (`text`, `input_text`, …). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  return objects(content)
    .map((part) => {
      if (typeof part.text === 'string') return part.text
      if (typeof part.type === 'string') return `[${part.type}]`
      return ''
    })
    .filter(Boolean)
    .join('\n')
}

/** The tools a request offers, by name. */
export function toolsBlock(names: unknown[]): Block[] {
  const known = names.filter((name): name is string => typeof name === 'string' && name !== '')
  return known.length > 0 ? [block('tools', known.join(', '))] : []
}
