/**
 * CONNECT-tunnelling proxy agents (`https-proxy-agent`, which axios installs for https targets
 * when HTTPS_PROXY is set) open their own socket to the proxy and TLS through it: no
 * `createConnection` call the transport could answer. A request handed such an agent gets an
 * Agent of ours instead, for the same target, that remembers the proxy: the transport answers
 * it like any other, and when recording the upstream goes out through that proxy (undici's
 * ProxyAgent, upstream.ts). Detected by shape, as the agents are not Node's: a `proxy` and
 * agent-base's `callback` (v6) or `connect` (v7).
 */
import http from 'node:http'
import https from 'node:https'
import { optionsIndexOf, patchRequestFunctions } from './request-functions.js'

/** Agent option (copied into every createConnection's options) naming the proxy's URL. */
export const PROXY_URL = Symbol.for('fetch-recordings.node-http.proxy-url')

export function patchTunnellingRequests(): () => void {
  const agents = new Map<string, http.Agent>()
  const restore = patchRequestFunctions((args, secure) => withoutTunnel(args, secure, agents))
  return () => {
    restore()
    for (const agent of agents.values()) agent.destroy()
  }
}

function withoutTunnel(args: any[], secure: boolean, agents: Map<string, http.Agent>): any[] {
  const index = optionsIndexOf(args)
  const options = args[index]
  const proxy = index === -1 ? undefined : proxyUrlOf(options.agent)
  if (!proxy) return args
  const key = `${secure}|${proxy}`
  let agent = agents.get(key)
  if (!agent) {
    // As the tunnel would: the origin's TLS options are the global agent's (axios does the same).
    const base = secure ? https.globalAgent.options : {}
    agent = new (secure ? https.Agent : http.Agent)({ ...base, keepAlive: true, [PROXY_URL]: proxy } as any)
    agents.set(key, agent)
  }
  const copy = [...args]
  copy[index] = { ...options, agent }
  return copy
}

/** The proxy of a CONNECT-tunnelling agent, as a URL string; undefined for any other agent. */
export function proxyUrlOf(agent: any): string | undefined {
  if (!agent || typeof agent !== 'object' || !agent.proxy) return undefined
  if (typeof agent.callback !== 'function' && typeof agent.connect !== 'function') return undefined
  const proxy = agent.proxy
  if (proxy instanceof URL) return proxy.href
  if (typeof proxy.href === 'string') return proxy.href
  const protocol = proxy.protocol ?? 'http:'
  const auth = proxy.auth ? `${proxy.auth}@` : ''
  const host = proxy.hostname ?? proxy.host
  return host ? `${protocol}//${auth}${host}${proxy.port ? `:${proxy.port}` : ''}` : undefined
}
