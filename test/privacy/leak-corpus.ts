/**
 * Realistic leaked credentials, one per rule family, built from a fixed seed (no real key
 * anywhere in this repository, and nothing a scanner would flag in this source file).
 */

/** Deterministic characters from an alphabet (a tiny LCG: the corpus is the same every run). */
function charsFrom(alphabet: string, length: number, seed: number): string {
  let state = seed >>> 0
  let out = ''
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    out += alphabet[state % alphabet.length]
  }
  return out
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const HEX = '0123456789abcdef'
const URLSAFE = `${ALNUM}_-`
const B64 = `${ALNUM}+/`

const a = (n: number, seed: number) => charsFrom(ALNUM, n, seed)
const jwtPart = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url')

export interface Leak {
  family: string
  value: string
}

export const LEAKS: readonly Leak[] = [
  { family: 'openai', value: `sk-proj-${charsFrom(URLSAFE, 58, 1)}T3BlbkFJ${charsFrom(URLSAFE, 58, 2)}` },
  { family: 'anthropic', value: `sk-ant-api03-${charsFrom(URLSAFE, 93, 3)}AA` },
  { family: 'aws-access-key-id', value: `AKIA${charsFrom(UPPER, 16, 4)}` },
  { family: 'github', value: `ghp_${a(36, 5)}` },
  { family: 'github-fine-grained', value: `github_pat_${charsFrom(`${ALNUM}_`, 82, 6)}` },
  { family: 'gitlab', value: `glpat-${charsFrom(URLSAFE, 20, 7)}` },
  {
    family: 'slack',
    value: `xoxb-${charsFrom('0123456789', 12, 8)}-${charsFrom('0123456789', 13, 9)}-${a(24, 10)}`,
  },
  { family: 'stripe', value: `sk_live_${a(24, 11)}` },
  { family: 'google-api-key', value: `AIza${charsFrom(URLSAFE, 35, 12)}` },
  {
    family: 'huggingface',
    value: `hf_${charsFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34, 13)}`,
  },
  { family: 'groq', value: `gsk_${a(52, 14)}` },
  { family: 'xai', value: `xai-${a(80, 15)}` },
  { family: 'telegram-bot', value: `${charsFrom('123456789', 10, 16)}:AA${charsFrom(URLSAFE, 33, 17)}` },
  {
    family: 'jwt',
    value: `${jwtPart({ alg: 'HS256', typ: 'JWT' })}.${jwtPart({ sub: '1234567890', name: 'A', iat: 1516239022 })}.${charsFrom(URLSAFE, 43, 18)}`,
  },
  {
    family: 'private-key',
    value: `-----BEGIN RSA PRIVATE KEY-----\nMII${charsFrom(B64, 64, 19)}\n${charsFrom(B64, 64, 20)}\n-----END RSA PRIVATE KEY-----`,
  },
  { family: 'basic-auth', value: `Basic ${Buffer.from(`admin:${a(16, 21)}`).toString('base64')}` },
  { family: 'url-password', value: `postgres://app:${a(18, 22)}@db.internal.example:5432/prod` },
  { family: 'npm', value: `npm_${a(36, 23)}` },
  { family: 'sendgrid', value: `SG.${charsFrom(URLSAFE, 22, 24)}.${charsFrom(URLSAFE, 43, 25)}` },
  { family: 'shopify', value: `shpat_${charsFrom(HEX, 32, 26)}` },
  { family: 'linear', value: `lin_api_${a(40, 27)}` },
  { family: 'notion', value: `ntn_${charsFrom('0123456789', 11, 28)}${a(35, 29)}` },
  { family: 'databricks', value: `dapi${charsFrom(HEX, 32, 30)}` },
  { family: 'docker', value: `dckr_pat_${charsFrom(URLSAFE, 27, 31)}` },
  { family: 'figma', value: `figd_${charsFrom(URLSAFE, 40, 32)}` },
  { family: 'vault', value: `hvs.${charsFrom(URLSAFE, 92, 33)}` },
  { family: 'grafana', value: `glsa_${a(32, 34)}_${charsFrom(HEX, 8, 35)}` },
  { family: 'digitalocean', value: `dop_v1_${charsFrom(HEX, 64, 36)}` },
  { family: 'twilio', value: `SK${charsFrom(HEX, 32, 37)}` },
  { family: 'google-oauth-token', value: `ya29.${charsFrom(URLSAFE, 60, 38)}` },
  { family: 'stripe-webhook', value: `whsec_${a(32, 39)}` },
  { family: 'replicate', value: `r8_${a(37, 40)}` },
  { family: 'vercel', value: `vcp_${a(40, 41)}` },
  { family: 'tailscale', value: `tskey-auth-${a(12, 42)}-${a(30, 43)}` },
  { family: 'perplexity', value: `pplx-${a(48, 44)}` },
]
