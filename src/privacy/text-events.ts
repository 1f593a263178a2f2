/**
 * SSE events kept as text because their JSON does not print back byte for byte (`1.0` from a
 * Python server, `\/` from PHP, `\u00e9`): their data is still JSON, and redaction must read
 * it as the client will, decoded (a `\u005f` escape hides `ghp_` from a search of the text).
 */
import { tryParseJson } from '../format/json-text.js'

/** The parsed data of an event whose data is JSON object or array text; undefined otherwise. */
export function parsedTextData(event: unknown): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined
  const data = (event as Record<string, unknown>).data
  if (typeof data !== 'string') return undefined
  const first = data.charCodeAt(0)
  if (first !== 0x7b && first !== 0x5b) return undefined
  const parsed = tryParseJson(data)
  return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : undefined
}

/**
 * The events with each text-stored JSON event's data replaced by its parsed value (a shallow
 * copy of that event only), or the events themselves when none is text-stored JSON.
 */
export function withTextDataParsed(events: unknown[]): unknown[] {
  let out: unknown[] | undefined
  for (let index = 0; index < events.length; index++) {
    const event = events[index]
    const data = parsedTextData(event)
    if (data !== undefined) {
      out ??= events.slice()
      out[index] = { ...(event as Record<string, unknown>), data }
    }
  }
  return out ?? events
}
