/**
 * What never reaches disk. Request headers are stored from an allow-list; secret query
 * parameters are dropped from stored URLs and keys; and before any write every string of a
 * recording is scanned for the secret values seen in this run (auth headers, secret params,
 * secret-looking environment variables) and those are replaced.
 */
export const REDACTED = '[redacted]'

/** Values shorter than this are ordinary words too often to be replaced everywhere. */
export const MIN_SECRET_LENGTH = 8

const SECRET_HEADER_NAMES = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'x-amz-security-token',
])
const SECRET_NAME_PATTERN = /(auth|token|secret|passw|api[-_]?key|cookie|session|credential|signature)/i

export const DEFAULT_SECRET_PARAMS = [
  'key',
  'api_key',
  'apikey',
  'api-key',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'secret',
  'password',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
]

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return SECRET_HEADER_NAMES.has(lower) || SECRET_NAME_PATTERN.test(lower)
}

/**
 * Query parameters are data far more often than headers are (`author`, `max_tokens`,
 * `page_token`, `session_id`): only whole credential words count, else matching would
 * silently ignore them.
 */
const SECRET_PARAM_PATTERN =
  /^(?:.*[-_.])?(?:api[-_]?key|access[-_]?key|(?:access|refresh|id|auth|bearer|security)[-_]?token|client[-_]?secret|secret|passw(?:or)?d|credentials?|signature)$/i

export function isSecretParam(name: string, extra: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase()
  return DEFAULT_SECRET_PARAMS.includes(lower) || extra.has(lower) || SECRET_PARAM_PATTERN.test(lower)
}

/** Secret values carried by one request: header values (and their bearer tokens), secret params. */
export function secretValuesOfRequest(
  headers: Record<string, string>,
  url: URL,
  extraParams: ReadonlySet<string>,
): string[] {
  const values: string[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeader(name)) continue
    values.push(value)
    const token = /^(?:bearer|basic|token)\s+(.+)$/i.exec(value)?.[1]
    if (token) values.push(token)
    // Cookies: each value on its own, so an echo of just the value is found too.
    if (name === 'cookie')
      for (const pair of value.split(';')) values.push(pair.slice(pair.indexOf('=') + 1).trim())
  }
  if (url.search !== '') {
    for (const [name, value] of url.searchParams) {
      if (isSecretParam(name, extraParams)) values.push(value)
    }
  }
  return values.length === 0 ? values : values.filter((value) => value.length >= MIN_SECRET_LENGTH)
}

/** Values of environment variables whose names look like they hold credentials. */
export function secretValuesOfEnvironment(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= MIN_SECRET_LENGTH && /(KEY|TOKEN|SECRET|PASSW|CREDENTIAL)/i.test(name)) {
      values.push(value)
    }
  }
  return values
}

/**
 * Replaces every occurrence of a secret in every string of a JSON-like tree (keys included).
 * Returns the same object when nothing matched, so the common case allocates nothing.
 */
export function redactTree<T>(value: T, secrets: readonly string[], found: Set<string>): T {
  if (secrets.length === 0) return value
  return redactValue(value, secrets, found) as T
}

function redactValue(value: unknown, secrets: readonly string[], found: Set<string>): unknown {
  if (typeof value === 'string') return redactString(value, secrets, found)
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    value.forEach((item, index) => {
      const redacted = redactValue(item, secrets, found)
      if (redacted !== item) {
        copy ??= value.slice()
        copy[index] = redacted
      }
    })
    return copy ?? value
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false
    const entries = Object.entries(value).map(([key, item]) => {
      const newKey = redactString(key, secrets, found)
      const newItem = redactValue(item, secrets, found)
      if (newKey !== key || newItem !== item) changed = true
      return [newKey, newItem] as const
    })
    if (!changed) return value
    const copy: Record<string, unknown> = {}
    for (const [key, item] of entries)
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true })
    return copy
  }
  return value
}

export function redactString(text: string, secrets: readonly string[], found: Set<string>): string {
  let out = text
  for (const secret of secrets) {
    if (out.includes(secret)) {
      out = out.split(secret).join(REDACTED)
      found.add(secret)
    }
  }
  return out
}

/** Redacts a whole recording (bodies stored as base64 are searched as bytes). */
export function redactInteractionsOf<
  T extends { interactions: { response: { body_encoding?: string; body?: unknown } }[] },
>(file: T, secrets: readonly string[]): { file: T; redactions: number } {
  if (secrets.length === 0) return { file, redactions: 0 }
  const found = new Set<string>()
  let redacted = redactTree(file, secrets, found)
  const interactions = redacted.interactions.map((interaction) => {
    const { response } = interaction
    if (response.body_encoding !== 'base64' || typeof response.body !== 'string') return interaction
    const body = redactBase64(response.body, secrets, found)
    return body === response.body ? interaction : { ...interaction, response: { ...response, body } }
  })
  if (interactions.some((interaction, i) => interaction !== redacted.interactions[i])) {
    redacted = { ...redacted, interactions }
  }
  return { file: redacted, redactions: found.size }
}

function redactBase64(body: string, secrets: readonly string[], found: Set<string>): string {
  let bytes = Buffer.from(body, 'base64')
  let changed = false
  for (const secret of secrets) {
    const needle = Buffer.from(secret)
    if (bytes.indexOf(needle) === -1) continue
    const pieces: Buffer[] = []
    let from = 0
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, from)) {
      pieces.push(bytes.subarray(from, at), Buffer.from(REDACTED))
      from = at + needle.length
    }
    pieces.push(bytes.subarray(from))
    bytes = Buffer.concat(pieces)
    found.add(secret)
    changed = true
  }
  return changed ? bytes.toString('base64') : body
}

/** Values of form pairs and JSON fields whose names are credential words. */
export function secretFieldValues(
  body: unknown,
  encoding: string | undefined,
  extra: ReadonlySet<string>,
): string[] {
  const values: string[] = []
  if (encoding === 'form' && Array.isArray(body)) {
    for (const [name, value] of body as [string, string][]) if (isSecretParam(name, extra)) values.push(value)
  } else if (encoding === 'json') {
    const visit = (value: unknown, depth: number): void => {
      if (depth > 64 || typeof value !== 'object' || value === null) return
      for (const [name, item] of Object.entries(value)) {
        if (typeof item === 'string' && isSecretParam(name, extra)) values.push(item)
        else visit(item, depth + 1)
      }
    }
    visit(body, 0)
  }
  return values.filter((value) => value.length >= MIN_SECRET_LENGTH)
}
