/**
 * The credential values one request carries, to be searched for in every string of its
 * recording (and of every later write of the run): values of credential headers (their
 * bearer/basic/token part, each cookie, each credential-looking piece of a signature header),
 * headers of any other name whose value looks like a credential, and credential query
 * parameters. Structural headers (`host`, `origin`, `user-agent`, …) are never judged.
 * Stored headers come from an allow-list, so none of these is ever stored as a header.
 */

import { remembered } from '../remembered.js'
import { isCredentialHeader, isCredentialParam, isStructuralHeader } from './credential-names.js'
import { isSearchable, looksLikeCredential } from './credential-values.js'
import { credentialParamsOfUrls } from './url-params.js'

const SCHEME =
  /^(?:bearer|basic|token|bot|apikey|api-key|key|sso-key|digest|negotiate|aws4-hmac-sha256)\s+(.+)$/i

export function credentialsOfRequest(
  headers: Record<string, string>,
  url: URL,
  extraParams: ReadonlySet<string>,
): string[] {
  const values = new Set<string>()
  for (const [name, value] of Object.entries(headers)) {
    // A URL in a header (`referer`, a callback URL): its credential parameters, as the request's.
    for (const hit of credentialParamsOfUrls(value)) values.add(hit.value)
    if (isStructuralHeader(name)) continue
    if (isCredentialHeader(name)) addHeaderValue(value, values)
    else if (headerValueLooksLikeCredential(value)) values.add(value)
  }
  if (url.search !== '') {
    for (const [name, value] of url.searchParams) {
      if (isCredentialParam(name, extraParams) || looksLikeCredential(value)) values.add(value)
    }
  }
  return [...values].filter(isSearchable)
}

/**
 * Ordinary headers (`user-agent`, `accept-encoding`, an SDK's `x-stainless-*`) repeat their
 * values on every request: each value is judged once.
 */
const headerValueLooksLikeCredential = remembered(looksLikeCredential, 1_000)

/**
 * A credential's value and its part after a scheme (`Bearer …`; for `Basic` also the decoded
 * pair and the password): each travels on its own. For a credential header, and for a
 * credential-named field of a body (`"Authorization": "Bearer …"`).
 */
export function addSchemeParts(value: string, into: Set<string>): void {
  into.add(value)
  const token = SCHEME.exec(value)?.[1]?.trim()
  if (!token) return
  into.add(token)
  if (/^basic\s/i.test(value)) addBasicParts(token, into)
}

/** A credential header's value: its scheme parts, and each credential piece of a list of them. */
function addHeaderValue(value: string, into: Set<string>): void {
  addSchemeParts(value, into)
  // Cookies, signature headers (`Credential=…, Signature=…`): each piece on its own.
  for (const piece of value.split(/[;,\s]+/)) {
    const equals = piece.indexOf('=')
    if (equals === -1) continue
    const assigned = piece.slice(equals + 1)
    if (looksLikeCredential(assigned) || isCredentialHeader(piece.slice(0, equals))) into.add(assigned)
  }
}

/** `Basic base64(user:password)`: the pair and the password are echoed on their own too. */
function addBasicParts(token: string, into: Set<string>): void {
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return
  into.add(decoded)
  into.add(decoded.slice(colon + 1))
}
