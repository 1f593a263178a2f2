/**
 * What normalizeIds rewrites (docs/ids.md has the table): ids by prefix or by field, creation
 * times, and the few provider fields that are random or timings on every call. Each rule is a
 * pattern over one line of JSON text; the caller decides per match (id-shape.ts).
 */
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
  // OpenAI's system_fingerprint: rotates with deployments, so a re-record would change the file.
  'fp_',
]
export const DEFAULT_TIMESTAMP_FIELDS = [
  'created',
  'created_at',
  'completed_at',
  'started_at',
  'last_active_at',
  'expires_at',
  'createTime',
  'updateTime',
]
/** Ollama's timings, integer nanoseconds: different on every call. */
export const DEFAULT_DURATION_FIELDS = [
  'total_duration',
  'load_duration',
  'prompt_eval_duration',
  'eval_duration',
]
/** Groq's timings, seconds as fractions (a 0 is still a time in seconds). */
export const DEFAULT_SECONDS_FIELDS = ['queue_time', 'prompt_time', 'completion_time', 'total_time']
/** Random padding OpenAI adds to every streamed chunk (Chat Completions and Responses). */
export const DEFAULT_RANDOM_FIELDS = ['obfuscation']
/**
 * Fields whose every value is an id of hex digits, whatever it looks like: OpenAI's
 * `system_fingerprint` is `fp_` and 10 hex digits, which come out all digits (a number, left
 * alone by its prefix) for 1 % of deployments; its normalized form is hex either way.
 */
export const HEX_ID_FIELDS = ['system_fingerprint']
/** Per-request id headers that SDKs expose (`_request_id`): stored normalized, not dropped. */
export const ID_HEADERS = new Set(['x-request-id', 'request-id', 'x-goog-request-id'])

/** A fixed, plausible time (2023-11-14T22:13:20Z): tests that check `created > 0` still pass. */
export const FIXED_TIMESTAMP = 1_700_000_000
export const FIXED_ISO_TIME = '2023-11-14T22:13:20'
/** Timings become 1 ms: in nanoseconds for durations, in seconds for Groq's times. */
export const FIXED_TIMING_INTEGER = 1_000_000
export const FIXED_TIMING_FRACTION = 0.001
/** Times up to this far ahead of the clock count as "now" (a creation time from a server with skew). */
export const FUTURE_SLACK_SECONDS = 120

const NUMBER = '-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?'

export interface IdRules {
  prefixes: readonly string[]
  /** A known prefix, then 8+ letters/digits (group 1: prefix, 2: tail). */
  prefixed: RegExp
  /** `"id"`, `"*_id"`, `"*Id"` string values (group 1: head, 2: value, 3: tail). */
  idFields: RegExp
  /** An SSE event's `id:` field line (group 1: head, 2: value, 3: tail). */
  eventIds: RegExp
  /** HEX_ID_FIELDS and the user's `fields`: any string value is an id. */
  fields: RegExp
  /** Unix times (seconds or milliseconds) in timestamp fields. */
  timestamps: RegExp
  /** ISO 8601 times in timestamp fields (Gemini `createTime`, Ollama `created_at`). */
  isoTimestamps: RegExp
  durations: RegExp
  seconds: RegExp
  randomFields: RegExp
  keepMapping: boolean
}

export function idRulesOf(option: boolean | NormalizeIdsOptions | undefined): IdRules | undefined {
  if (option === false) return undefined
  const options = typeof option === 'object' ? option : {}
  const prefixes = [...DEFAULT_ID_PREFIXES, ...(options.prefixes ?? [])]
  const timestampFields = alternation([...DEFAULT_TIMESTAMP_FIELDS, ...(options.timestamps ?? [])])
  const fields = alternation([...HEX_ID_FIELDS, ...(options.fields ?? [])])
  const key = (names: string) => `("(?:${names})"\\s*:\\s*)`
  return {
    prefixes,
    prefixed: new RegExp(
      `(?<![A-Za-z0-9_-])(${alternation(prefixes)})([A-Za-z0-9]{8,})(?![A-Za-z0-9_-])`,
      'g',
    ),
    idFields: new RegExp(`${key('id|[A-Za-z0-9_]*_id|[a-z][A-Za-z0-9]*Id')}"([A-Za-z0-9_-]{8,})(")`, 'g'),
    eventIds: /^(id: ?)([A-Za-z0-9_-]{8,})(\r?)$/,
    fields: new RegExp(`${key(fields)}"([^"\\\\]{4,})(")`, 'g'),
    timestamps: new RegExp(`${key(timestampFields)}(\\d{9,13})(?![\\d.])`, 'g'),
    isoTimestamps: new RegExp(
      `${key(timestampFields)}"(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)"`,
      'g',
    ),
    durations: new RegExp(`${key(alternation(DEFAULT_DURATION_FIELDS))}${NUMBER}`, 'g'),
    seconds: new RegExp(`${key(alternation(DEFAULT_SECONDS_FIELDS))}${NUMBER}`, 'g'),
    randomFields: new RegExp(`${key(alternation(DEFAULT_RANDOM_FIELDS))}"[^"\\\\]*"`, 'g'),
    keepMapping: options.keepMapping === true,
  }
}

function alternation(names: readonly string[]): string {
  return names.map(escapeRegExp).join('|')
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
