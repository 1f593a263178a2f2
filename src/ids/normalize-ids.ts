/**
 * Deterministic ids and timestamps. LLM APIs mint fresh ids (`chatcmpl-…`, `msg_…`, `file-…`)
 * and timestamps in every response, and tests send those ids back in later requests. Each
 * real id is replaced, everywhere it appears in the response text, by one derived from the
 * test, the request's position in the test and the id's order of appearance, with the real
 * one's shape (`chatcmpl-` and 29 base62 characters stay so: shaped-id.ts). The test sees the normalized ids while recording too, so
 * record and replay behave alike; when a later request carries a normalized id, the real one
 * is swapped back in before it goes to the network.
 *
 * Only what is an id is touched (id-shape.ts): a tool name with an id's prefix, a value the
 * client itself sent, and a time in the future (an expiry) reach the test as the server sent
 * them. Rewriting works on text, line by line, so formatting is untouched, the same code
 * serves JSON, SSE events and NDJSON lines, and the order ids are minted in does not depend
 * on how the network cut a stream into chunks.
 */
import { createHash } from 'node:crypto'
import {
  escapeRegExp,
  FIXED_ISO_TIME,
  FIXED_TIMESTAMP,
  FIXED_TIMING_FRACTION,
  FIXED_TIMING_INTEGER,
  FUTURE_SLACK_SECONDS,
  HEX_ID_FIELDS,
  type IdRules,
} from './id-rules.js'
import { isIdTail, isIdValue, isUuid } from './id-shape.js'
import { shapedId } from './shaped-id.js'

export {
  DEFAULT_ID_PREFIXES,
  DEFAULT_TIMESTAMP_FIELDS,
  FIXED_TIMESTAMP,
  type IdRules,
  idRulesOf,
} from './id-rules.js'

/**
 * Ids normalized by versions before ids kept their shape (and the fallback of distinctShapedId):
 * found in a recording extended in `new` mode, they are never normalized again.
 */
const NORMALIZED = /rec[0-9a-f]{12}$|^00000000-0000-4000-8000-[0-9a-f]{12}$/
const MAX_SHAPED_ATTEMPTS = 32

/** What one response is normalized against. */
export interface NormalizeContext {
  /** The request's position in the test attempt. */
  position: number
  /** Normalized → real pairs minted for this response (filled in). */
  minted: Record<string, string>
  /** The request as the server got it (path and body): values the client sent are its own. */
  sent?: string
  /** The clock (ms) that tells a creation time from an expiry. */
  now?: number
}

/** The real ↔ normalized ids of one test attempt. */
export class IdMap {
  private readonly toNormalized = new Map<string, string>()
  private readonly toReal = new Map<string, string>()

  constructor(
    private readonly rules: IdRules,
    private readonly testId: string,
  ) {}

  /** Rewrites one response text (or a run of whole lines of it). */
  normalize(text: string, context: NormalizeContext): string {
    const nowSeconds = (context.now ?? Date.now()) / 1000
    return text
      .split('\n')
      .map((line) => this.normalizeLine(line, context, nowSeconds))
      .join('\n')
  }

  /** A per-request id header (`x-request-id`): always an id, whatever it looks like. */
  normalizeHeader(value: string, context: NormalizeContext): string {
    return this.mint(value, this.knownPrefixOf(value), context)
  }

  private normalizeLine(line: string, context: NormalizeContext, nowSeconds: number): string {
    const { rules } = this
    let out = line.replace(rules.idFields, (all, head: string, value: string, tail: string) =>
      isIdValue(value)
        ? `${head}"${this.mintUnlessSent(value, this.knownPrefixOf(value), context)}${tail}`
        : all,
    )
    // A stream's event ids come back as Last-Event-ID on a reconnect: swapped back like any id.
    out = out.replace(rules.eventIds, (all, head: string, value: string, tail: string) =>
      isIdValue(value)
        ? `${head}${this.mintUnlessSent(value, this.knownPrefixOf(value), context)}${tail}`
        : all,
    )
    out = out.replace(rules.prefixed, (all, prefix: string, tail: string) =>
      isIdTail(tail) ? this.mintUnlessSent(all, prefix, context) : all,
    )
    out = out.replace(rules.fields, (_all, head: string, value: string, tail: string) => {
      const hex = HEX_ID_FIELDS.some((name) => head.startsWith(`"${name}"`))
      return `${head}"${this.mintUnlessSent(value, this.knownPrefixOf(value), context, hex)}${tail}`
    })
    out = out.replace(rules.timestamps, (all, head: string, digits: string) => {
      // Seconds stay seconds, milliseconds stay milliseconds; an expiry keeps its meaning.
      const inMs = digits.length > 10
      const seconds = inMs ? Number(digits) / 1000 : Number(digits)
      if (seconds > nowSeconds + FUTURE_SLACK_SECONDS) return all
      return `${head}${inMs ? FIXED_TIMESTAMP * 1000 : FIXED_TIMESTAMP}`
    })
    out = out.replace(rules.isoTimestamps, (all, head: string, time: string, fraction = '', zone: string) => {
      const seconds = Date.parse(`${time}${fraction}${zone}`) / 1000
      if (!(seconds <= nowSeconds + FUTURE_SLACK_SECONDS)) return all
      // One fraction length whatever the server sent (Go trims trailing zeros): stable bytes.
      return `${head}"${FIXED_ISO_TIME}${fraction ? '.000' : ''}${zone}"`
    })
    out = out.replace(rules.durations, (_all, head: string) => `${head}${FIXED_TIMING_INTEGER}`)
    out = out.replace(rules.seconds, (_all, head: string) => `${head}${FIXED_TIMING_FRACTION}`)
    return out.replace(rules.randomFields, (_all, head: string) => `${head}""`)
  }

  private mintUnlessSent(real: string, prefix: string, context: NormalizeContext, hex = false): string {
    if (!this.toNormalized.has(real) && context.sent?.includes(real)) return real
    return this.mint(real, prefix, context, hex)
  }

  private mint(real: string, prefix: string, context: NormalizeContext, hex = false): string {
    const known = this.toNormalized.get(real)
    if (known) return known
    if (this.toReal.has(real) || NORMALIZED.test(real)) return real
    const ordinal = Object.keys(context.minted).length
    const seed = `${this.testId}\0${context.position}\0${ordinal}`
    const normalized = this.distinctShapedId(real, prefix, seed, hex)
    this.toNormalized.set(real, normalized)
    this.toReal.set(normalized, real)
    context.minted[normalized] = real
    return normalized
  }

  /**
   * The real id's shape (shaped-id.ts), unlike every id of this attempt, real or normalized: a
   * later request swaps each normalized id back, so two must never read alike. A shape with
   * too few values to find one (a 4-digit value of a `fields` option) falls back to the marked
   * form older versions minted for every id.
   */
  private distinctShapedId(real: string, prefix: string, seed: string, hex: boolean): string {
    for (let attempt = 0; attempt < MAX_SHAPED_ATTEMPTS; attempt++) {
      const candidate = shapedId(real, prefix, attempt === 0 ? seed : `${seed}\0${attempt}`, hex)
      if (candidate !== real && !this.toReal.has(candidate) && !this.toNormalized.has(candidate))
        return candidate
    }
    const hash = createHash('sha256').update(seed).digest('hex').slice(0, 12)
    return isUuid(real) ? `00000000-0000-4000-8000-${hash}` : `${prefix}rec${hash}`
  }

  /** Only a known prefix is kept: any other would carry the random part into the new id. */
  private knownPrefixOf(value: string): string {
    return (
      this.rules.prefixes.find((prefix) => value.startsWith(prefix) && value.length > prefix.length) ?? ''
    )
  }

  /**
   * Swaps normalized ids back to the real ones the server knows: where one stands alone, not
   * inside a longer run of letters and digits (an id keeps its shape, so a short one, 4 hex
   * digits of a `fields` value, could be part of other text).
   */
  restore(text: string): string {
    if (this.toReal.size === 0) return text
    let out = text
    for (const [normalized, real] of this.toReal) {
      if (!out.includes(normalized)) continue
      const alone = new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(normalized)}(?![A-Za-z0-9])`, 'g')
      out = out.replace(alone, () => real)
    }
    return out
  }

  /** Pairs kept in a file (keepMapping) make ids of replayed responses usable live again. */
  learn(mapping: Record<string, string>): void {
    for (const [normalized, real] of Object.entries(mapping)) {
      this.toReal.set(normalized, real)
      this.toNormalized.set(real, normalized)
    }
  }

  get keepMapping(): boolean {
    return this.rules.keepMapping
  }
}
