/**
 * Deterministic ids and timestamps. LLM APIs mint fresh ids (`chatcmpl-…`, `msg_…`, `file-…`)
 * and timestamps in every response, and tests send those ids back in later requests. Each
 * real id is replaced, everywhere it appears in the response text, by one derived from the
 * test, the request's position in the test and the id's order of appearance
 * (`chatcmpl-rec3f9a1c2b4d5e`). The test sees the normalized ids while recording too, so
 * record and replay behave alike; when a later request carries a normalized id, the real one
 * is swapped back in before it goes to the network.
 *
 * Rewriting works on text, not on parsed JSON, so formatting is untouched and the same code
 * serves JSON, SSE events and NDJSON lines. Ids never span a line, so a stream is rewritten
 * line by line as it arrives.
 */
import { createHash } from 'node:crypto'
import type { NormalizeIdsOptions } from '../config/options.js'

export const DEFAULT_ID_PREFIXES = [
  'chatcmpl-',
  'cmpl-',
  'resp_',
  'rs_',
  'fc_',
  'msg_',
  'msgbatch_',
  'call_',
  'toolu_',
  'srvtoolu_',
  'file-',
  'file_',
  'vs_',
  'vsfb_',
  'batch_',
  'run_',
  'thread_',
  'asst_',
  'step_',
  'ftjob-',
  'modr-',
  'req_',
]
export const DEFAULT_TIMESTAMP_FIELDS = [
  'created',
  'created_at',
  'completed_at',
  'started_at',
  'last_active_at',
  'expires_at',
]
/** A fixed, plausible time (2023-11-14T22:13:20Z): tests that check `created > 0` still pass. */
export const FIXED_TIMESTAMP = 1_700_000_000

export interface IdRules {
  ids: RegExp
  fields: RegExp | undefined
  timestamps: RegExp | undefined
  keepMapping: boolean
}

export function idRulesOf(option: boolean | NormalizeIdsOptions | undefined): IdRules | undefined {
  if (option === false) return undefined
  const options = typeof option === 'object' ? option : {}
  const prefixes = [...DEFAULT_ID_PREFIXES, ...(options.prefixes ?? [])].map(escapeRegExp).join('|')
  const timestampFields = [...DEFAULT_TIMESTAMP_FIELDS, ...(options.timestamps ?? [])]
    .map(escapeRegExp)
    .join('|')
  const fields = (options.fields ?? []).map(escapeRegExp).join('|')
  return {
    // A prefix, then at least 8 id characters, not inside a longer word.
    ids: new RegExp(`(?<![A-Za-z0-9_-])(?:${prefixes})[A-Za-z0-9]{8,}(?![A-Za-z0-9])`, 'g'),
    fields: fields ? new RegExp(`("(?:${fields})"\\s*:\\s*")([^"\\\\]{4,})(")`, 'g') : undefined,
    timestamps: timestampFields
      ? new RegExp(`("(?:${timestampFields})"\\s*:\\s*)(\\d{9,13})(?![\\d.])`, 'g')
      : undefined,
    keepMapping: options.keepMapping === true,
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const NORMALIZED_MARK = /rec[0-9a-f]{12}$/

/** The real ↔ normalized ids of one test attempt. */
export class IdMap {
  private readonly toNormalized = new Map<string, string>()
  private readonly toReal = new Map<string, string>()

  constructor(
    private readonly rules: IdRules,
    private readonly testId: string,
  ) {}

  /** Rewrites one response text (or a run of whole lines of it); returns the ids it minted. */
  normalize(text: string, position: number, minted: Record<string, string>): string {
    let ordinal = Object.keys(minted).length
    const replace = (real: string, prefix: string): string => {
      const known = this.toNormalized.get(real)
      if (known) return known
      if (this.toReal.has(real) || NORMALIZED_MARK.test(real)) return real
      const hash = createHash('sha256').update(`${this.testId}\0${position}\0${ordinal++}`).digest('hex')
      const normalized = `${prefix}rec${hash.slice(0, 12)}`
      this.toNormalized.set(real, normalized)
      this.toReal.set(normalized, real)
      minted[normalized] = real
      return normalized
    }
    let out = text.replace(this.rules.ids, (real) => replace(real, prefixOf(real)))
    if (this.rules.fields)
      out = out.replace(this.rules.fields, (_all, head, real, tail) => `${head}${replace(real, '')}${tail}`)
    if (this.rules.timestamps) {
      out = out.replace(this.rules.timestamps, (_all, head: string, digits: string) => {
        // Seconds stay seconds, milliseconds stay milliseconds.
        return `${head}${digits.length > 10 ? FIXED_TIMESTAMP * 1000 : FIXED_TIMESTAMP}`
      })
    }
    return out
  }

  /** Swaps normalized ids back to the real ones the server knows. */
  restore(text: string): string {
    if (this.toReal.size === 0) return text
    let out = text
    for (const [normalized, real] of this.toReal)
      if (out.includes(normalized)) out = out.split(normalized).join(real)
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

function prefixOf(id: string): string {
  const match = /^[A-Za-z]+[-_]/.exec(id)
  return match ? match[0] : ''
}
