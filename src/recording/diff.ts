/**
 * Structural differences between two requests, for miss errors:
 *   body.messages[1].content: "hi" → "hello"
 * and the choice of the closest recorded request (fewest differences).
 */
import type { StoredRequest } from '../format/format.js'
import { comparableBody, fitsRedacted, maskedLike } from './redacted-places.js'

export interface Difference {
  path: string
  before: unknown
  after: unknown
}

const ABSENT = Symbol('absent')
const MAX_DEPTH = 64

export function diffValues(
  before: unknown,
  after: unknown,
  path = '',
  out: Difference[] = [],
  depth = 0,
): Difference[] {
  if (Object.is(before, after)) return out
  // What stands where the recording says `[redacted]` is not compared (redacted-places.ts).
  if (typeof before === 'string' && typeof after === 'string' && fitsRedacted(before, after)) return out
  const bothObjects =
    isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)
  if (!bothObjects || depth > MAX_DEPTH) {
    out.push({ path: path || '(root)', before, after })
    return out
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length)
    for (let i = 0; i < length; i++) {
      diffValues(
        i < before.length ? before[i] : ABSENT,
        i < after.length ? after[i] : ABSENT,
        `${path}[${i}]`,
        out,
        depth + 1,
      )
    }
    return out
  }
  const a = before as Record<string, unknown>
  const b = after as Record<string, unknown>
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const key of keys) {
    const childPath = /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${path ? `${path}.` : ''}${key}`
      : `${path}[${JSON.stringify(key)}]`
    diffValues(
      Object.hasOwn(a, key) ? a[key] : ABSENT,
      Object.hasOwn(b, key) ? b[key] : ABSENT,
      childPath,
      out,
      depth + 1,
    )
  }
  return out
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}

/** The parts of a request that take part in matching, as one comparable tree. */
function comparable(request: StoredRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers ?? {},
    body: comparableBody(request),
  }
}

export function diffRequests(recorded: StoredRequest, live: StoredRequest): Difference[] {
  return diffValues(comparable(recorded), comparable(live))
}

export function closestRequest(
  candidates: readonly StoredRequest[],
  live: StoredRequest,
): { request: StoredRequest; differences: Difference[] } | undefined {
  let best: { request: StoredRequest; differences: Difference[] } | undefined
  for (const request of candidates) {
    const differences = diffRequests(request, live)
    const sameEndpoint = request.method === live.method && request.endpoint === live.endpoint
    const score = differences.length + (sameEndpoint ? 0 : 1000)
    const bestScore = best
      ? best.differences.length + (best.request.endpoint === live.endpoint ? 0 : 1000)
      : Infinity
    if (score < bestScore) best = { request, differences }
  }
  return best
}

/** `shown` redacts each value's text before it is cut short (a cut secret would escape it). */
export function formatDifferences(
  differences: readonly Difference[],
  shown: (text: string) => string = (text) => text,
  limit = 20,
): string {
  const show = (value: unknown) =>
    shorten(value === ABSENT ? '(absent)' : shown(JSON.stringify(value) ?? String(value)))
  // The live text at a recorded `[redacted]` place is masked too (redacted-places.ts).
  const now = ({ before, after }: Difference) =>
    show(typeof before === 'string' && typeof after === 'string' ? maskedLike(before, shown(after)) : after)
  const lines = differences.slice(0, limit).map((d) => `  ${shown(d.path)}: ${show(d.before)} → ${now(d)}`)
  if (differences.length > limit) lines.push(`  … and ${differences.length - limit} more`)
  return lines.join('\n')
}

function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}…` : text
}
