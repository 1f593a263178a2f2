/**
 * Credentials recognized by their shape alone, wherever they appear. This is the write path's
 * compiled subset of the formats secretlint's recommended preset knows (plus LLM providers and
 * a few it lacks): synchronous, a few microseconds per string on every supported Node, where
 * secretlint costs milliseconds per call on Node 20 (docs/secrets.md has the figures).
 * `verify` runs these and, where it loads, secretlint's preset too.
 *
 * A pattern's `secret` group, when it has one, is the part replaced (the password of a URL,
 * the token after `Bearer`); otherwise the whole match is.
 */
import { escapeRegex } from './secret-encodings.js'

export interface TokenFormat {
  id: string
  name: string
  pattern: RegExp
  /**
   * Literal text every match holds one of (case as written: the patterns are case-sensitive).
   * A string holding none of any format's anchors is skipped without running the patterns.
   */
  anchors: readonly string[]
  /** Rejects look-alikes the pattern alone cannot (ordinary words after "Basic"). */
  check?: (secret: string) => boolean
}

/** At least one digit and one letter: random tokens have both, prose words rarely do. */
const hasDigitAndLetter = (value: string): boolean => /\d/.test(value) && /[A-Za-z]/.test(value)

function decodesToUserAndPassword(value: string): boolean {
  const text = Buffer.from(value, 'base64').toString('latin1')
  return /^[\x21-\x7e]+:[\x20-\x7e]+$/.test(text)
}

// `(?<![\w-])` and `(?![\w-])` instead of \b: a key's own `-`/`_` must not count as an edge.
const START = String.raw`(?<![A-Za-z0-9_-])`
const END = String.raw`(?![A-Za-z0-9_-])`
const format = (
  id: string,
  name: string,
  anchors: readonly string[],
  source: string,
  check?: TokenFormat['check'],
): TokenFormat => ({
  id,
  name,
  anchors,
  pattern: new RegExp(source, 'g'),
  ...(check ? { check } : {}),
})

export const TOKEN_FORMATS: readonly TokenFormat[] = [
  format(
    'anthropic',
    'Anthropic API key',
    ['sk-'],
    String.raw`${START}sk-ant-(?:api|admin|oat)\d\d-[A-Za-z0-9_-]{20,}`,
  ),
  format(
    'openai',
    'OpenAI-style API key',
    ['sk-'],
    String.raw`${START}sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}`,
    (value) => hasDigitAndLetter(value.slice(3)),
  ),
  format(
    'aws-access-key-id',
    'AWS access key id',
    ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    String.raw`\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b`,
  ),
  format(
    'aws-secret-access-key',
    'AWS secret access key',
    ['access'],
    String.raw`(?:aws_?secret_?access_?key|secret_?access_?key)["']?\s*[:=]\s*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`,
  ),
  format(
    'github',
    'GitHub token',
    ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    String.raw`${START}(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}${END}`,
  ),
  format(
    'github-fine-grained',
    'GitHub fine-grained token',
    ['github_pat_'],
    String.raw`${START}github_pat_[A-Za-z0-9_]{50,255}`,
  ),
  format(
    'gitlab',
    'GitLab token',
    ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glcbt-', 'glimt-', 'glagent-', 'gloas-', 'glsoat-', 'glffct-'],
    String.raw`${START}(?:glpat|gldt|glrt|glptt|glcbt|glimt|glagent|gloas|glsoat|glffct)-[A-Za-z0-9_-]{20,}`,
  ),
  format(
    'slack',
    'Slack token',
    ['xox', 'xapp-'],
    String.raw`${START}(?:xox[abposrec]|xapp)-(?:\d-)?[A-Za-z0-9-]{10,}`,
  ),
  format(
    'slack-webhook',
    'Slack webhook URL',
    ['hooks.slack.com/services/'],
    String.raw`hooks\.slack\.com/services/(?<secret>T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+)`,
  ),
  format(
    'stripe',
    'Stripe secret key',
    ['_live_', '_test_'],
    String.raw`${START}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}`,
  ),
  format('stripe-webhook', 'Stripe webhook secret', ['whsec_'], String.raw`${START}whsec_[A-Za-z0-9]{24,}`),
  format('google-api-key', 'Google API key', ['AIza'], String.raw`${START}AIza[0-9A-Za-z_-]{35}`),
  format(
    'google-oauth-token',
    'Google OAuth access token',
    ['ya29.'],
    String.raw`${START}ya29\.[0-9A-Za-z_-]{20,}`,
  ),
  format(
    'google-client-secret',
    'Google OAuth client secret',
    ['GOCSPX-'],
    String.raw`${START}GOCSPX-[0-9A-Za-z_-]{20,}`,
  ),
  format('huggingface', 'Hugging Face token', ['hf_'], String.raw`${START}hf_[A-Za-z0-9]{30,}`),
  format('groq', 'Groq API key', ['gsk_'], String.raw`${START}gsk_[A-Za-z0-9]{40,}`),
  format('xai', 'xAI API key', ['xai-'], String.raw`${START}xai-[A-Za-z0-9]{40,}`),
  format('replicate', 'Replicate API token', ['r8_'], String.raw`${START}r8_[A-Za-z0-9]{30,}`),
  format('perplexity', 'Perplexity API key', ['pplx-'], String.raw`${START}pplx-[A-Za-z0-9]{40,}`),
  format(
    'telegram-bot',
    'Telegram bot token',
    [':AA'],
    String.raw`(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}${END}`,
  ),
  format(
    'jwt',
    'JSON Web Token',
    ['eyJ'],
    String.raw`${START}eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}`,
  ),
  format(
    'private-key',
    'PEM private key',
    ['PRIVATE KEY'],
    String.raw`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]{16,}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`,
  ),
  format(
    'basic-auth',
    'Basic auth credentials',
    ['asic'],
    String.raw`\b[Bb]asic\s+(?<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])`,
    decodesToUserAndPassword,
  ),
  format(
    'bearer',
    'Bearer token',
    ['earer'],
    String.raw`\b[Bb]earer\s+(?<secret>[A-Za-z0-9._~+/-]{16,}=*)`,
    (value) => hasDigitAndLetter(value) && value !== '[redacted]',
  ),
  format(
    'url-password',
    'password in a URL',
    ['://'],
    String.raw`\b[a-z][a-z0-9+.-]{1,20}://[^\s:@/"'<>\\]{1,256}:(?<secret>[^\s@/"'<>\\]{1,256})@[A-Za-z0-9.-]`,
    (value) => value !== '[redacted]' && !/^\d+$/.test(value),
  ),
  format('npm', 'npm access token', ['npm_'], String.raw`${START}npm_[A-Za-z0-9]{36}${END}`),
  format(
    'sendgrid',
    'SendGrid API key',
    ['SG.'],
    String.raw`${START}SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}`,
  ),
  format(
    'shopify',
    'Shopify access token',
    ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    String.raw`${START}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${END}`,
  ),
  format('linear', 'Linear API key', ['lin_api_'], String.raw`${START}lin_api_[A-Za-z0-9]{32,}`),
  format(
    'notion',
    'Notion token',
    ['ntn_', 'secret_'],
    String.raw`${START}(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})${END}`,
  ),
  format(
    'vercel',
    'Vercel token',
    ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
    String.raw`${START}(?:vcp|vci|vca|vcr|vck)_[A-Za-z0-9]{24,}`,
  ),
  format('databricks', 'Databricks token', ['dapi'], String.raw`${START}dapi[a-f0-9]{32}(?:-\d)?${END}`),
  format('docker', 'Docker Hub token', ['dckr_pat_'], String.raw`${START}dckr_pat_[A-Za-z0-9_-]{27,}`),
  format('figma', 'Figma token', ['figd_'], String.raw`${START}figd_[A-Za-z0-9_-]{40,}`),
  format(
    'cloudflare',
    'Cloudflare API token',
    ['cfk_', 'cfut_', 'cfat_'],
    String.raw`${START}(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8}${END}`,
  ),
  format(
    'tailscale',
    'Tailscale key',
    ['tskey-'],
    String.raw`${START}tskey-[a-z]+-[0-9A-Za-z_]{8,}-[0-9A-Za-z_]{16,}`,
  ),
  format(
    'vault',
    'HashiCorp Vault token',
    ['hvs.', 'hvb.', 'hvr.'],
    String.raw`${START}hv[sbr]\.[A-Za-z0-9_-]{90,}`,
  ),
  format(
    'grafana',
    'Grafana token',
    ['glc_', 'glsa_'],
    String.raw`${START}(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})`,
  ),
  format(
    '1password',
    '1Password service account token',
    ['ops_ey'],
    String.raw`${START}ops_ey[A-Za-z0-9+/=]{100,}`,
  ),
  format('digitalocean', 'DigitalOcean token', ['_v1_'], String.raw`${START}do[opr]_v1_[a-f0-9]{64}${END}`),
  format('twilio', 'Twilio API key', ['SK'], String.raw`${START}SK[0-9a-f]{32}${END}`),
  format('mailgun', 'Mailgun API key', ['key-'], String.raw`${START}key-[0-9a-f]{32}${END}`),
  format(
    'azure-storage',
    'Azure storage account key',
    ['AccountKey='],
    String.raw`AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)`,
  ),
  format('atlassian', 'Atlassian API token', ['ATATT3'], String.raw`${START}ATATT3[A-Za-z0-9_=-]{100,}`),
  format(
    'pypi',
    'PyPI token',
    ['pypi-AgEIcHlwaS5vcmc'],
    String.raw`${START}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`,
  ),
]

export interface TokenHit {
  format: TokenFormat
  /** Where the replaced part starts and ends in the text. */
  start: number
  end: number
}

/**
 * All formats as one pattern: one pass over a string says whether any of them can match, so
 * the common string (no credential) costs one regex run, not 45.
 */
const ANY_FORMAT = new RegExp(
  TOKEN_FORMATS.map(
    (tokenFormat) => `(?:${tokenFormat.pattern.source.replace(/\(\?<secret>/g, '(?:')})`,
  ).join('|'),
)

/**
 * A necessary condition for any format to match, checked without running the combined pattern
 * (which costs several times more per character: every string of every recording goes through
 * here, and the streamed pieces of a place joined, thousands of characters of ids and words).
 * Two conditions, each necessary: every format holds a run of at least 15 token characters or
 * one of a few markers (a URL's `://`, `asic` of Basic auth, `PRIVATE KEY`); and every match
 * holds one of its format's anchors. test/privacy/token-prefilter.test.ts generates strings of
 * every format to hold it to that.
 */
export function mayHoldToken(text: string): boolean {
  return hasTokenRunOrMarker(text) && ANY_ANCHOR.test(text)
}

function hasTokenRunOrMarker(text: string): boolean {
  let run = 0
  for (let i = 0; i < text.length; i++) {
    if (isTokenChar(text.charCodeAt(i))) {
      if (++run >= MIN_TOKEN_RUN) return true
    } else run = 0
  }
  return text.includes('://') || text.includes('asic') || text.includes('PRIVATE KEY')
}

/** One pattern of literals: faster than an indexOf per anchor over a long string. */
const ANY_ANCHOR = new RegExp(
  [...new Set(TOKEN_FORMATS.flatMap((tokenFormat) => tokenFormat.anchors))].map(escapeRegex).join('|'),
)

const MIN_TOKEN_RUN = 15

/** Whether the text holds an anchor: without one, `mayHoldToken` is false whatever else it holds. */
export function holdsTokenAnchor(text: string): boolean {
  return ANY_ANCHOR.test(text)
}

/** The length of the longest anchor (a text that holds one holds it within this many characters). */
export const LONGEST_ANCHOR = Math.max(
  ...TOKEN_FORMATS.flatMap((tokenFormat) => tokenFormat.anchors).map((a) => a.length),
)

/** A-Z a-z 0-9 and `_ - + / = . ~`: the characters tokens are made of. */
function isTokenChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 ||
    code === 45 ||
    code === 43 ||
    code === 47 ||
    code === 61 ||
    code === 46 ||
    code === 126
  )
}

export function findTokens(text: string): TokenHit[] {
  if (text.length < 8 || !mayHoldToken(text) || !ANY_FORMAT.test(text)) return []
  const hits: TokenHit[] = []
  for (const tokenFormat of TOKEN_FORMATS) {
    for (const match of text.matchAll(tokenFormat.pattern)) {
      const secret = match.groups?.secret ?? match[0]
      if (tokenFormat.check && !tokenFormat.check(secret)) continue
      const start = match.index + (match.groups?.secret === undefined ? 0 : match[0].lastIndexOf(secret))
      hits.push({ format: tokenFormat, start, end: start + secret.length })
    }
  }
  return withoutOverlaps(hits)
}

/** Earliest first; of overlapping hits the longer one is kept. */
function withoutOverlaps(hits: TokenHit[]): TokenHit[] {
  if (hits.length < 2) return hits
  hits.sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: TokenHit[] = []
  for (const hit of hits) {
    const last = kept[kept.length - 1]
    if (last && hit.start < last.end) {
      if (hit.end > last.end) last.end = hit.end
      continue
    }
    kept.push({ ...hit })
  }
  return kept
}

/** True when the whole value has the shape of a known credential. */
export function isKnownTokenFormat(value: string): boolean {
  const hits = findTokens(value)
  return hits.length > 0 && hits.some((hit) => hit.end - hit.start >= value.length * 0.8)
}
