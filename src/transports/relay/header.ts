/**
 * The attribution header: what a test's request to an app server carries so that the app (with
 * the server preload) relays the requests it makes while handling it to that test's process.
 * Both sides read this one module, so the format exists once. Versioned: an app whose
 * fetch-recordings speaks another version ignores the header (and says so once on stderr).
 *
 *   x-fetch-recordings-test: 1;relay=127.0.0.1:43121;token=<64 hex>;test=<32 hex>
 */

export const TAG_HEADER = 'x-fetch-recordings-test'
export const TAG_VERSION = '1'

/** Headers of a relayed request (app → test process), beside the app's own request headers. */
export const RELAY_TOKEN_HEADER = 'x-fetch-recordings-relay-token'
export const RELAY_TEST_HEADER = 'x-fetch-recordings-relay-test'
export const RELAY_TARGET_HEADER = 'x-fetch-recordings-relay-target'
/** The only path the relay serves. */
export const RELAY_PATH = '/fetch-recordings/relay/1'

export interface Tag {
  /** `127.0.0.1:<port>` of the test process's relay server. */
  relay: string
  token: string
  /** Opaque handle of the test (attempt) in the test process. */
  test: string
}

export function encodeTag(tag: Tag): string {
  return `${TAG_VERSION};relay=${tag.relay};token=${tag.token};test=${tag.test}`
}

export type ParsedTag = { tag: Tag } | { unsupported: string } | undefined

const HEX = /^[0-9a-f]{16,128}$/
// Loopback only, and only the address the relay binds to: a header cannot send the app's
// outbound requests (and their API keys) anywhere else.
const RELAY = /^127\.0\.0\.1:([1-9]\d{0,4})$/

/** The tag in a header value; `unsupported` names why a present header is not used. */
export function parseTag(value: string | string[] | undefined): ParsedTag {
  if (value === undefined) return undefined
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined) return undefined
  const [version, ...fields] = text.split(';')
  if (version?.trim() !== TAG_VERSION) {
    return { unsupported: `version "${version?.trim()}", this fetch-recordings reads version ${TAG_VERSION}` }
  }
  const values = new Map<string, string>()
  for (const field of fields) {
    const at = field.indexOf('=')
    if (at > 0) values.set(field.slice(0, at).trim(), field.slice(at + 1).trim())
  }
  const relay = values.get('relay') ?? ''
  const token = values.get('token') ?? ''
  const test = values.get('test') ?? ''
  const port = RELAY.exec(relay)?.[1]
  if (!port || Number(port) > 65535)
    return { unsupported: `relay address "${relay}" is not 127.0.0.1:<port>` }
  if (!HEX.test(token) || !HEX.test(test)) return { unsupported: 'token or test handle is malformed' }
  return { tag: { relay, token, test } }
}
