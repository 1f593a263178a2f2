/**
 * The space of ways a credential travels: key formats × carriers (where the request puts it)
 * × echoes (how the answer gives it back), as fast-check arbitraries, plus a loopback API that
 * echoes each case's key in the case's form and the check that no form of it is on disk.
 */
import { createServer, type Server } from 'node:http'
import fc from 'fast-check'

export type Carrier =
  | { kind: 'header'; name: string; scheme?: string }
  | { kind: 'cookie'; name: string }
  | { kind: 'query'; name: string }
  | { kind: 'path' }
  | { kind: 'env'; name: string }
  | { kind: 'json' | 'json-as-text'; path: string }
  | { kind: 'form' | 'multipart'; name: string }

export const ECHOES = [
  'none',
  'json',
  'escaped-text',
  'base64-field',
  'base64url-field',
  'hex-field',
  'percent-text',
  'binary',
  'sse',
  'sse-split',
  'ndjson',
  'header',
  'minted',
] as const
export type Echo = (typeof ECHOES)[number]

export interface LeakCase {
  id: string
  format: string
  key: string
  /** What a CI run sends instead (`dummy`, or a key of the same shape where only the shape tells). */
  dummy: string
  carrier: Carrier
  echo: Echo
  /** Bytes before the key inside an encoded blob: each base64 alignment. */
  offset: number
}

/** Words an answer carries that must survive every redaction (they are also env values). */
export const ORDINARY = 'The password field, the token count and the secret of a good key: plain words.'
export const ORDINARY_ENV = { DB_PASSWORD: 'password', API_KEY: 'dummy', AUTH_TOKEN: 'token' }

const chars = (alphabet: string, min: number, max = min) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max })
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const URLSAFE = `${ALNUM}_-`

/** Random keys with both letters and digits (as every real generator makes them). */
const mixed = (arb: fc.Arbitrary<string>) => arb.map((body) => `${body}a7Q`)
const jwtOf = (sub: string, sig: string) =>
  `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, iat: 1516239022 })).toString('base64url')}.${sig}`

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  openai: mixed(chars(URLSAFE, 40, 60)).map((body) => `sk-proj-${body}`),
  anthropic: mixed(chars(URLSAFE, 40, 90)).map((body) => `sk-ant-api03-${body}AA`),
  github: chars(ALNUM, 36).map((body) => `ghp_${body}`),
  google: chars(URLSAFE, 35).map((body) => `AIza${body}`),
  jwt: fc.tuple(chars(ALNUM, 12), chars(URLSAFE, 43)).map(([sub, sig]) => jwtOf(sub, sig)),
  // Shapes no format knows: found only through where they travel.
  opaque: mixed(chars(ALNUM, 29)),
  punctuated: mixed(chars(`${ALNUM}._~+/=-`, 24, 40)).map((body) => `k3y-${body}`),
  short: chars(`${ALNUM}!#$`, 5, 7),
}
const KNOWN = new Set(['openai', 'anthropic', 'github', 'google', 'jwt'])

const HEADERS = [
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'ocp-apim-subscription-key',
  'x-auth-token',
  'private-token',
  'x-acme-key',
  'x-service-secret',
]
const PARAMS = [
  'key',
  'api_key',
  'apikey',
  'private_token',
  'subscription-key',
  'access_token',
  'token',
  'sig',
  'x-api-key',
]
const FIELDS = [
  'api_key',
  'auth.apiKey',
  'credentials.0.value',
  'config.nested.client_secret',
  'api_keys.0',
  'secretAccessKey',
  'sessionToken',
  'apiToken',
  'password',
  'private_key',
  'authorization',
]
const FORM_FIELDS = ['client_secret', 'password', 'api_key', 'refresh_token']
const ENV_NAMES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'MY_SERVICE_TOKEN', 'STRIPE_SECRET', 'GH_PAT']

function carrierFor(format: string): fc.Arbitrary<Carrier> {
  const named: fc.Arbitrary<Carrier>[] = [
    fc.constantFrom(...HEADERS).map((name) => ({ kind: 'header' as const, name })),
    fc
      .constantFrom('Bearer', 'Token')
      .map((scheme) => ({ kind: 'header' as const, name: 'authorization', scheme })),
    fc.constant({ kind: 'cookie' as const, name: 'session' }),
    fc.constantFrom(...PARAMS).map((name) => ({ kind: 'query' as const, name })),
    fc.constantFrom(...FIELDS).map((path) => ({ kind: 'json' as const, path })),
    fc.constantFrom(...FIELDS).map((path) => ({ kind: 'json-as-text' as const, path })),
    fc.constantFrom(...FORM_FIELDS).map((name) => ({ kind: 'form' as const, name })),
    fc.constantFrom(...FORM_FIELDS).map((name) => ({ kind: 'multipart' as const, name })),
  ]
  if (format === 'short') return fc.oneof(...named)
  // A header of no telling name: its value's shape makes it a credential.
  named.push(fc.constant({ kind: 'header' as const, name: 'x-acme-thing' }))
  named.push(fc.constantFrom(...ENV_NAMES).map((name) => ({ kind: 'env' as const, name })))
  if (KNOWN.has(format)) {
    named.push(fc.constant({ kind: 'query' as const, name: 'q' }))
    named.push(fc.constant({ kind: 'path' as const }))
  }
  return fc.oneof(...named)
}

export const leakCase: fc.Arbitrary<Omit<LeakCase, 'id'>> = fc
  .constantFrom(...Object.keys(FORMATS))
  .chain((format) =>
    fc.record({
      format: fc.constant(format),
      key: FORMATS[format] as fc.Arbitrary<string>,
      other: FORMATS[format] as fc.Arbitrary<string>,
      carrier: carrierFor(format),
      echo: format === 'short' ? fc.constant('none' as Echo) : fc.constantFrom(...ECHOES),
      offset: fc.integer({ min: 0, max: 2 }),
    }),
  )
  .filter(({ key, other }) => key !== other)
  .map(({ other, ...rest }) => {
    // Where only the shape says "credential", a CI dummy must have that shape too (docs/secrets.md).
    const byShape =
      rest.carrier.kind === 'path' || (rest.carrier.kind === 'query' && rest.carrier.name === 'q')
    return { ...rest, dummy: byShape ? other : 'dummy' }
  })

/** `count` cases from `seed`, with stable ids. */
export function sampleCases(seed: number, count: number): LeakCase[] {
  return fc.sample(leakCase, { seed, numRuns: count }).map((leak, index) => ({ ...leak, id: `c${index}` }))
}

/** A token the API mints in a `minted` answer: it must not reach disk either. */
export function mintedTokenOf(leak: LeakCase): string {
  return `at-${Buffer.from(leak.key).toString('hex').slice(0, 24)}Z9q`
}

function blob(leak: LeakCase): Buffer {
  return Buffer.concat([
    Buffer.from([0xf0, 0x9f, 0x92].slice(0, leak.offset)),
    Buffer.from(`key:${leak.key};`),
  ])
}

/** The answer of a case: the key (when the case sent one) in the case's echo form. */
function answer(leak: LeakCase, sent: string): { headers: Record<string, string>; body: string | Buffer } {
  const json = { 'content-type': 'application/json' }
  const value = sent
  switch (leak.echo) {
    case 'none':
      return { headers: json, body: JSON.stringify({ note: ORDINARY }) }
    case 'json':
      return { headers: json, body: JSON.stringify({ note: ORDINARY, echoed: `you sent ${value}` }) }
    case 'escaped-text':
      return {
        headers: { 'content-type': 'text/plain' },
        body: `${ORDINARY} {"k":"${value.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"}`,
      }
    case 'base64-field':
      return { headers: json, body: JSON.stringify({ note: ORDINARY, blob: blob(leak).toString('base64') }) }
    case 'base64url-field':
      return {
        headers: json,
        body: JSON.stringify({ note: ORDINARY, blob: blob(leak).toString('base64url') }),
      }
    case 'hex-field':
      return {
        headers: json,
        body: JSON.stringify({ note: ORDINARY, dump: Buffer.from(value).toString('hex') }),
      }
    case 'percent-text':
      return {
        headers: { 'content-type': 'text/plain' },
        body: `${ORDINARY} next=${encodeURIComponent(`x ${value}`)}`,
      }
    case 'binary':
      return {
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.concat([Buffer.from([0xff, 0xfe, 0]), blob(leak)]),
      }
    case 'sse':
    case 'sse-split': {
      const pieces = leak.echo === 'sse' ? [value] : [value.slice(0, 9), value.slice(9, 20), value.slice(20)]
      const deltas = ['Your key is ', ...pieces, '. ', ORDINARY]
      const events = deltas.map(
        (content) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`,
      )
      return { headers: { 'content-type': 'text/event-stream' }, body: `${events.join('')}data: [DONE]\n\n` }
    }
    case 'ndjson':
      return {
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify({ message: { content: ORDINARY } })}\n${JSON.stringify({ message: { content: value } })}\n`,
      }
    case 'header':
      return { headers: { ...json, 'x-echo': `key=${value}` }, body: JSON.stringify({ note: ORDINARY }) }
    case 'minted':
      return {
        headers: json,
        body: JSON.stringify({
          access_token: mintedTokenOf(leak),
          token_type: 'Bearer',
          expires_in: 3600,
          note: ORDINARY,
        }),
      }
  }
}

/** The loopback API: answers each case (by its `x-leak-case` header) and counts requests. */
export async function startLeakApi(
  cases: readonly LeakCase[],
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  const byId = new Map(cases.map((leak) => [leak.id, leak]))
  let requests = 0
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      const leak = byId.get(String(req.headers['x-leak-case']))
      if (!leak) {
        res.writeHead(404).end()
        return
      }
      const { headers, body } = answer(leak, leak.key)
      res.writeHead(200, headers).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Every form a value can take on disk (docs/secrets.md). */
export function formsOf(value: string): string[] {
  const bytes = Buffer.from(value)
  const forms = new Set([
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ])
  forms.add(value.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
  for (let skip = 0; skip < 3; skip++) {
    const aligned = bytes.subarray(skip)
    const whole = aligned.subarray(0, aligned.length - (aligned.length % 3))
    if (whole.length >= 6) {
      forms.add(whole.toString('base64'))
      forms.add(whole.toString('base64url'))
    }
  }
  return [...forms]
}

/** The forms of a case's secrets found in `disk` (empty: nothing leaked). */
export function leaksOf(leak: LeakCase, disk: string): string[] {
  const values = [leak.key]
  if (leak.echo === 'minted') values.push(mintedTokenOf(leak))
  if (leak.echo === 'sse-split') values.push(leak.key.slice(0, 9), leak.key.slice(9, 20))
  return values
    .flatMap(formsOf)
    .filter((form) => form.length >= (leak.format === 'short' ? 1 : 8) && disk.includes(form))
}
