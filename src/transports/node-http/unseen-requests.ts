/**
 * node:http requests the transport cannot record: an upgrade (a WebSocket: the `ws` package,
 * any `Upgrade` header given with the request's options) and a request that opens its own
 * connection (`createConnection` with no agent, past every Agent's `createConnection`, which is
 * where the transport sits). They are seen here, where `http(s).request`/`get` are called, and
 * the policy (recording/unrecorded-traffic.ts) decides: let through untouched (an upgrade on an
 * Agent then gets a real connection, not a recording socket), or refused with its error before
 * any connection is opened. Connections they open are marked as the recorder's own, so the
 * bypass watch does not count them a second time.
 */
import type { UnrecordedTrafficPolicy } from '../../recording/unrecorded-traffic.js'
import { requestHeadersOf } from '../../wire/handler-api.js'
import { asOwnConnection } from './own-connections.js'
import { optionsIndexOf, patchRequestFunctions } from './request-functions.js'

/** Request option (copied into the Agent's createConnection options): a real connection, please. */
export const UNTOUCHED = Symbol.for('fetch-recordings.node-http.untouched')

export function patchUnseenRequests(policy: UnrecordedTrafficPolicy): () => void {
  return patchRequestFunctions((args, secure) => decided(args, secure, policy))
}

function decided(args: any[], secure: boolean, policy: UnrecordedTrafficPolicy): any[] {
  const index = optionsIndexOf(args)
  if (index === -1) return args
  const options = args[index]
  const upgrade = 'upgrade' in requestHeadersOf(options.headers)
  const ownConnection = typeof options.createConnection === 'function' && options.agent == null
  if (!upgrade && !ownConnection) return args
  const method = String(options.method ?? 'GET').toUpperCase()
  const url = targetUrlOf(index > 0 ? args[0] : undefined, options, secure)
  const refusal = url && policy({ kind: upgrade ? 'websocket' : 'own-connection', method, url })
  const copy = [...args]
  if (refusal) copy[index] = { ...options, agent: undefined, createConnection: failingWith(refusal) }
  else if (ownConnection)
    copy[index] = { ...options, createConnection: markedAsOwn(options.createConnection) }
  else copy[index] = { ...options, [UNTOUCHED]: true }
  return copy
}

/** Node emits the callback's error as the request's 'error' event: no socket is ever made. */
function failingWith(error: Error) {
  return (_options: unknown, callback: (error: Error) => void) => {
    callback(error)
    return undefined
  }
}

function markedAsOwn(createConnection: (...args: any[]) => unknown) {
  return function (this: unknown, ...args: any[]) {
    return asOwnConnection(() => createConnection.apply(this, args))
  }
}

/** The URL the request is for, as Node builds it from `(url, options)`; undefined if unparsable. */
function targetUrlOf(given: unknown, options: any, secure: boolean): string | undefined {
  try {
    const base = given === undefined ? undefined : new URL(String(given))
    const host = String(options.hostname ?? options.host ?? base?.hostname ?? 'localhost')
    const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    const port = options.port ?? base?.port
    const path = options.path ?? (base ? `${base.pathname}${base.search}` : '/')
    return new URL(`${secure ? 'https' : 'http'}://${bracketed}${port ? `:${port}` : ''}${path}`).href
  } catch {
    return undefined
  }
}
