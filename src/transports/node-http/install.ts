/**
 * Puts the node:http(s) transport in place and takes it out again exactly. Every client built
 * on `http.request`/`https.request`/`ClientRequest` (axios, got, node-fetch, superagent,
 * gaxios, AWS's NodeHttpHandler) gets its connections from an Agent, and every Agent (the
 * global ones, `agent: false`'s throwaway one, keep-alive agents such as agentkeepalive, which
 * call up to the prototype) creates them through `Agent.prototype.createConnection`: patching
 * that one public method on `http.Agent` and `https.Agent` is enough, for CommonJS and ESM
 * importers alike (a prototype is shared; a module's named exports are not).
 * docs/architecture.md#transports has the measurements behind this choice.
 */
import http from 'node:http'
import https from 'node:https'
import type { UnrecordedTrafficPolicy } from '../../recording/unrecorded-traffic.js'
import type { Dispatcher } from '../../wire/record.js'
import { type Exchange, serveSocket } from './exchange.js'
import { asOwnConnection } from './own-connections.js'
import { RecordingSocket } from './socket.js'
import { PROXY_URL, patchTunnellingRequests } from './tunnels.js'
import { patchUnseenRequests, UNTOUCHED } from './unseen-requests.js'

type CreateConnection = (this: http.Agent, ...args: any[]) => unknown

/** Options that only matter to a TLS connection, handed to the upstream when recording. */
const TLS_OPTION_NAMES = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
  'ciphers',
  'minVersion',
  'maxVersion',
  'secureContext',
  'checkServerIdentity',
]

/** `unrecorded` decides upgrades and requests on their own connection (unseen-requests.ts). */
export function installNodeHttpTransport(
  dispatcher: Dispatcher,
  unrecorded: UnrecordedTrafficPolicy,
): () => void {
  const live = new Map<RecordingSocket, Exchange>()
  const restores = [
    patchCreateConnection(http.Agent.prototype, false, dispatcher, live),
    patchCreateConnection(https.Agent.prototype, true, dispatcher, live),
    patchAddRequest(live),
    patchTunnellingRequests(),
    patchUnseenRequests(unrecorded),
  ]
  return () => {
    for (const restore of restores.reverse()) restore()
    // Sockets pooled by keep-alive agents would keep answering from recordings after dispose.
    for (const [socket, exchange] of live) {
      live.delete(socket)
      exchange.retire()
    }
  }
}

function patchCreateConnection(
  prototype: http.Agent,
  secure: boolean,
  dispatcher: Dispatcher,
  live: Map<RecordingSocket, Exchange>,
): () => void {
  const original = (prototype as any).createConnection as CreateConnection
  const patched: CreateConnection = function (this: http.Agent, ...args: any[]) {
    const options = connectionOptionsOf(args)
    // A unix socket (Docker's API, a local daemon) is local by definition: never recorded.
    if (!options || options.socketPath || options.path) return original.apply(this, args)
    // An upgrade let through (unseen-requests.ts): the client gets the socket, so a real one.
    if ((options as any)[UNTOUCHED]) return asOwnConnection(() => original.apply(this, args))
    const socket = new RecordingSocket({
      host: String(options.host ?? options.hostname ?? 'localhost'),
      port: Number(options.port ?? (secure ? 443 : 80)),
      secure,
    })
    live.set(socket, serveSocket({ socket, dispatcher, connectOptions: connectOptionsOf(options, secure) }))
    socket.once('close', () => live.delete(socket))
    const callback = args.find((arg) => typeof arg === 'function')
    if (callback) socket.once('connect', callback)
    return socket
  }
  ;(prototype as any).createConnection = patched
  return () => {
    if ((prototype as any).createConnection === patched) (prototype as any).createConnection = original
  }
}

/**
 * Keep-alive agents may hold sockets to the real network opened before install (a client
 * built at module scope, a warm-up request): a request handed one of them would bypass the
 * recorder. They are closed when the agent is next asked for a socket.
 */
function patchAddRequest(live: Map<RecordingSocket, Exchange>): () => void {
  const prototype = http.Agent.prototype as any
  const original = prototype.addRequest
  const patched = function (this: any, ...args: unknown[]) {
    dropForeignFreeSockets(this, live)
    return original.apply(this, args)
  }
  prototype.addRequest = patched
  return () => {
    if (prototype.addRequest === patched) prototype.addRequest = original
  }
}

function dropForeignFreeSockets(agent: any, live: Map<RecordingSocket, Exchange>): void {
  const pools = agent.freeSockets as Record<string, any[]> | undefined
  if (!pools) return
  for (const name of Object.keys(pools)) {
    const pool = pools[name] as any[]
    const foreign = pool.filter((socket) => !(socket instanceof RecordingSocket && live.has(socket)))
    if (foreign.length === 0) continue
    const kept = pool.filter((socket) => !foreign.includes(socket))
    if (kept.length > 0) pools[name] = kept
    else delete pools[name]
    for (const socket of foreign) socket.destroy()
  }
}

/** `createConnection(options, cb)` as Agents call it, or net's `(port, host, options)` form. */
function connectionOptionsOf(args: any[]): Record<string, any> | undefined {
  const [first, second, third] = args
  if (first && typeof first === 'object') return first
  if (typeof first === 'number' || typeof first === 'string') {
    const rest = third && typeof third === 'object' ? third : {}
    return { ...rest, port: first, host: typeof second === 'string' ? second : rest.host }
  }
  return undefined
}

/** What the upstream needs to reach this target as the client would: TLS options, a proxy. */
function connectOptionsOf(options: Record<string, any>, secure: boolean): object | undefined {
  const tls = secure ? tlsOptionsOf(options) : undefined
  const proxy = (options as any)[PROXY_URL] as string | undefined
  if (!proxy) return tls
  return { ...tls, proxy }
}

function tlsOptionsOf(options: Record<string, any>): object | undefined {
  const picked: Record<string, unknown> = {}
  let any = false
  for (const name of TLS_OPTION_NAMES) {
    if (options[name] === undefined) continue
    // Node sets servername from the host itself; only a deliberate one matters.
    if (name === 'servername' && options.servername === options.host) continue
    picked[name] = options[name]
    any = true
  }
  return any ? picked : undefined
}
