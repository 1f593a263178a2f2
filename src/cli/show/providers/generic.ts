/**
 * Anything no provider claims: a compact request/response view. JSON bodies are printed
 * (long ones cut), streams as their first events and a count, binary as a size.
 */
import { type Block, block, errorBlocks, type Provider } from '../view.js'

const MAX_LINES = 24
const MAX_EVENTS = 8

export const generic: Provider = {
  kind: 'HTTP',
  matches: () => true,
  request: (_body, interaction) =>
    bodyBlocks(interaction.request.body_encoding, interaction.request.body, 'user'),
  response(interaction) {
    const { response } = interaction
    const type = response.headers['content-type']
    return [
      ...(type ? [block('type', String(type))] : []),
      ...errorBlocks(interaction),
      ...bodyBlocks(response.body_encoding, response.body, 'assistant'),
    ]
  },
}

function bodyBlocks(encoding: string | undefined, body: unknown, tone: 'user' | 'assistant'): Block[] {
  if (body === undefined || body === null || encoding === undefined) return []
  if (encoding === 'base64' && typeof body === 'string')
    return [block('body', `${Buffer.from(body, 'base64').length} bytes (binary)`, tone)]
  if (encoding === 'sse' || encoding === 'ndjson') {
    const events = body as unknown[]
    const shown = events.slice(0, MAX_EVENTS).map((event) => JSON.stringify(event))
    const more = events.length > MAX_EVENTS ? [`… ${events.length - MAX_EVENTS} more`] : []
    return [block(`${events.length} events`, [...shown, ...more].join('\n'), tone)]
  }
  if (encoding === 'multipart') {
    const parts = (body as Record<string, any>[]).map((part) => describePart(part))
    return [block('multipart', parts.join('\n'), tone)]
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2)
  return [block('body', cut(text), tone)]
}

function describePart(part: Record<string, any>): string {
  const name = part.name ?? part.headers?.['content-disposition'] ?? 'part'
  const file = part.filename ? ` (file ${part.filename})` : ''
  return `${name}${file}`
}

function cut(text: string): string {
  const lines = text.split('\n')
  if (lines.length <= MAX_LINES) return text
  return [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more lines`].join('\n')
}
