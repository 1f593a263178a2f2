/**
 * Server-sent events as stored data. An event is an object whose keys are its fields in the
 * order they were sent (`event`, `id`, `retry`, `data`; `comment` for `:` lines); `data`
 * holds the parsed JSON when the payload is JSON. The codec only uses this form when printing
 * the events gives back the exact bytes received, so replay is byte-faithful.
 */
export type SseEvent = Record<string, unknown>

const FIELD_LINE = /^([^:]*)(?::(.*))?$/

export function parseSse(text: string): SseEvent[] | undefined {
  if (!text.endsWith('\n\n')) return undefined
  const blocks = text.slice(0, -2).split('\n\n')
  const events: SseEvent[] = []
  for (const block of blocks) {
    const event: SseEvent = {}
    const dataLines: string[] = []
    for (const line of block.split('\n')) {
      const match = FIELD_LINE.exec(line)
      if (!match) return undefined
      const field = match[1] === '' ? 'comment' : (match[1] as string)
      const value = (match[2] ?? '').replace(/^ /, '')
      if (field === 'data') {
        dataLines.push(value)
        if (!('data' in event)) event.data = undefined
      } else {
        if (field in event) return undefined // repeated non-data fields cannot be printed back
        event[field] = value
      }
    }
    if (dataLines.length > 0) event.data = parseData(dataLines.join('\n'))
    events.push(event)
  }
  return events
}

function parseData(data: string): unknown {
  const first = data.charCodeAt(0)
  // Only objects and arrays: a bare number or string would not print back unambiguously.
  if (first !== 0x7b && first !== 0x5b) return data
  try {
    const parsed = JSON.parse(data)
    // JSON sent with spaces (`{"a": 1}`) is kept as its text, so this event still prints back
    // exactly and the stream stays a list of events (one replay read each), not one text blob.
    return JSON.stringify(parsed) === data ? parsed : data
  } catch {
    return data
  }
}

export function printSseEvent(event: SseEvent): string {
  let out = ''
  for (const [field, value] of Object.entries(event)) {
    if (field === 'data') {
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      for (const line of text.split('\n')) out += `data: ${line}\n`
    } else if (field === 'comment') {
      out += `: ${value}\n`
    } else {
      out += `${field}: ${value}\n`
    }
  }
  return `${out}\n`
}
