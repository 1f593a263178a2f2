/**
 * Names that say "this holds a credential": of headers, query parameters, body fields and
 * environment variables. Each position has its own family because each has its own false
 * friends (`max_tokens` in a body, `page_token` in a query, `logprobs[].token` and Anthropic's
 * thinking `signature` in a response, `KEYCLOAK_URL` in the environment).
 */
import { remembered } from '../remembered.js'
import { couldBeCredential, looksLikeCredential } from './credential-values.js'

/** `secretAccessKey` → `secret_access_key`, `X-Api-Key` → `x_api_key`: one spelling to test. */
export function snakeName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-.\s]/g, '_')
    .toLowerCase()
}

/** Whole credential words at the end of a name (`x_api_key`, `refresh_token`, `db_password`). */
const CREDENTIAL_WORDS = String.raw`(?:api_?keys?|access_?keys?|secret_?access_?key|(?:private|subscription|secret|master|encryption|decryption|signing|hmac|ssh|deploy|session|license|client|app|consumer|root|wrapping)_?keys?|(?:access|refresh|id|auth|bearer|security|session|api|oauth|private|csrf|xsrf|mfa)_?tokens?|client_?secret|secrets?|passw(?:or)?ds?|pass_?(?:phrase|code)s?|credentials?|authorization|ephemeral_?key|connection_?strings?|conn_?str|mnemonic|seed_?phrase|recovery_?(?:phrase|codes?|keys?)|backup_?codes?|bearer|jwt|set_?cookies?|(?:session|auth)_?cookies?|cookie_?values?|auth_?headers?)`

/** How a credential's value is kept next to its name: `private_key_pem`, `privateKeyData`. */
const VALUE_FORMS = String.raw`(?:_(?:pem|der|data|material|b64|base64|hex|bytes|binary|value|contents?|string|json))?`

const FIELD_NAME = new RegExp(`^(?:.*_)?${CREDENTIAL_WORDS}${VALUE_FORMS}$`)

/**
 * Short names that are a credential's as often as they are data (`"pass": "first"`,
 * `"auth": {"type": "oauth"}`, `"pin": "top"`, `"pwd": "/home/me"`, `"session": {...}`):
 * they count only for a string value that could be a credential (credential-values.ts).
 */
const AMBIGUOUS_NAME =
  /^(?:.*_)?(?:pass|pwd|auths?|otp|totp|mfa_?code|pin(?:_?code)?|cookies?|session|private|dsn|pat)$/

/**
 * Body fields (request and response, any depth) whose values are credentials whatever they
 * look like. Bare `token` and `key` are data too often (logprobs, key-value APIs); `signature`
 * is a thinking block's, which the client sends back and is no credential. The ambiguous short
 * names need their `value`: without it (or with an object, a number) they are no credential's.
 */
export function isCredentialField(
  name: string,
  extra: ReadonlySet<string> = EMPTY,
  value?: unknown,
): boolean {
  const kind = fieldKind(name)
  if (kind === 'credential') return true
  if (kind === 'ambiguous' && typeof value === 'string' && couldBeCredential(value)) return true
  return extra.size > 0 && extra.has(name.toLowerCase())
}

// Bodies repeat their field names thousands of times (one per SSE event): each is judged once.
const fieldKind = remembered((name): 'credential' | 'ambiguous' | 'data' => {
  const snake = snakeName(name)
  if (FIELD_NAME.test(snake)) return 'credential'
  return AMBIGUOUS_NAME.test(snake) ? 'ambiguous' : 'data'
}, 10_000)

const EMPTY: ReadonlySet<string> = new Set()

const PAIR_NAMES = ['name', 'key', 'Name', 'Key'] as const
const PAIR_VALUES = ['value', 'Value'] as const

/**
 * A name/value pair object (`{"name": "API_KEY", "value": "…"}` of a Kubernetes or ECS
 * environment list, `{"key": "Authorization", "value": "…"}` of a Postman collection): its
 * value is the named field's, judged by the same rule. The key holding that value, or none.
 */
export function credentialPairValueKey(
  object: Record<string, unknown>,
  extra: ReadonlySet<string> = EMPTY,
): string | undefined {
  const valueKey = PAIR_VALUES.find((key) => Object.hasOwn(object, key))
  if (valueKey === undefined) return undefined
  const name = PAIR_NAMES.map((key) => object[key]).find((item) => typeof item === 'string')
  if (typeof name !== 'string' || name.length > 100) return undefined
  const value = object[valueKey]
  if (isCredentialField(name, extra, value)) return valueKey
  // An environment list names variables as the environment does (`MY_SERVICE_TOKEN`).
  const variable = typeof value === 'string' && ENV_STYLE.test(name) && isCredentialVariable(name, value)
  return variable ? valueKey : undefined
}

const ENV_STYLE = /^[A-Z][A-Z0-9_]*$/

/** The query parameters every API uses for keys, plus whole credential words. */
const PARAM_NAMES = new Set([
  'key',
  'apikey',
  'token',
  'sig',
  'signature',
  'private_token',
  'subscription_key',
  'x_amz_signature',
  'x_amz_credential',
  'x_amz_security_token',
  'x_goog_signature',
  'x_goog_credential',
  'auth',
  'pass',
])
const PARAM_NAME = new RegExp(`^(?:.*_)?(?:${CREDENTIAL_WORDS}|signature)$`)

/** `author`, `page_token`, `max_tokens`, `session_id` are data and stay. */
export function isCredentialParam(name: string, extra: ReadonlySet<string> = EMPTY): boolean {
  const snake = snakeName(name)
  return PARAM_NAMES.has(snake) || PARAM_NAME.test(snake) || extra.has(name.toLowerCase())
}

const HEADER_NAMES = new Set([
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
  'x_api_key',
  'api_key',
])
/**
 * `*subscription-key*`, `*-token`, `*_auth*`, `*apikey*`, `*secret*`, `*signature*`,
 * `*credential*`, `x-*-key`. `x-stainless-*`, `anthropic-version` and the like do not match.
 */
const HEADER_NAME =
  /(?:subscription_?key|_token$|^token$|auth|api_?key|secret|signature|credential|passw|session|cookie|^x_.*_key$)/

// Every request has the same few header names: each is judged once.
export const isCredentialHeader = remembered((name: string): boolean => {
  const snake = snakeName(name)
  return HEADER_NAMES.has(snake) || HEADER_NAME.test(snake)
}, 1_000)

/**
 * Headers that say how to reach the server and how to read the exchange (`host`, `:authority`,
 * `origin`, `referer`, `user-agent`, `accept*`, `content-*`, caching, tracing ids): never a
 * credential, whatever their value looks like. A `host` with a digit in it
 * (`api.example.com:8443`, `bedrock-runtime.us-east-1.amazonaws.com`) has a token's character
 * mix; judging it by its value redacted the host across every later answer and URL.
 */
const STRUCTURAL_HEADERS = new Set([
  'host',
  ':authority',
  ':method',
  ':path',
  ':scheme',
  'origin',
  'referer',
  'user-agent',
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-disposition',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'expect',
  'upgrade',
  'cache-control',
  'pragma',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'range',
  'date',
  'via',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'traceparent',
  'tracestate',
  'x-request-id',
  'x-correlation-id',
  'idempotency-key',
])

/** Lower-case names, as stored. */
export function isStructuralHeader(name: string): boolean {
  return STRUCTURAL_HEADERS.has(name)
}

/**
 * Environment variables: `*KEY*`, `*TOKEN*`, `*SECRET*`, `*PASSW*`, `*CREDENTIAL*`, `*_AUTH`,
 * `*_PAT`, `*_DSN`, `*_URL`/`*_URI` (for the password inside them). The value decides the rest
 * (environment.ts): a name alone turns no ordinary word into a secret.
 */
const ENV_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|_AUTH|^AUTH|_PAT$|_DSN$|_SIG/i

export function isCredentialEnvName(name: string): boolean {
  return ENV_NAME.test(name)
}

/**
 * A variable holding a credential, in the environment or written out as one (a `.env` file's
 * `TOKEN=…` line, an environment list's pair): a credential-like name and a value that looks
 * like a credential. A name alone turns no ordinary word into a secret (`API_KEY=dummy`).
 */
export function isCredentialVariable(name: string, value: string): boolean {
  return isCredentialEnvName(name) && looksLikeCredential(value)
}
