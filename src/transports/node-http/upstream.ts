/**
 * The real network when recording: undici Agents, the same path fetch's traffic takes, so a
 * recorded node:http request and a recorded fetch go out alike. A node:http client's TLS
 * options (its own `ca`, `rejectUnauthorized: false`, client certificates) travel with its
 * dispatch (exchange.ts, CONNECT_OPTIONS); each distinct set gets an Agent of its own.
 * Connections these Agents open are marked as the recorder's own, so the bypass watch
 * (bypass-watch.ts) does not count them.
 */
import type { Dispatcher } from '../../wire/record.js'
import { CONNECT_OPTIONS } from './exchange.js'
import { addOwnHost, asOwnConnection } from './own-connections.js'

interface Agent extends Dispatcher {
  destroy(): Promise<void>
}

type Connect = (options: any, callback: any) => unknown
/** `proxy`: the URL of a CONNECT proxy the client tunnelled through (tunnels.ts). */
type AgentFactory = (connect: Connect, proxy?: { uri: string; requestTls: object }) => Agent
type ConnectorFactory = (tlsOptions: object) => (options: any, callback: any) => unknown

export function routingUpstream(makeAgent: AgentFactory, makeConnector: ConnectorFactory): Agent {
  const agents = new Map<string, Agent>()
  const agentFor = (tlsOptions: object | undefined): Agent => {
    const key = tlsOptions ? keyOf(tlsOptions) : ''
    let agent = agents.get(key)
    if (!agent) {
      const { proxy, ...tls } = (tlsOptions ?? {}) as { proxy?: string }
      if (proxy) addOwnHost(new URL(proxy).hostname.replace(/^\[|\]$/g, ''))
      const connector = makeConnector(proxy ? {} : tls)
      const connect: Connect = (options, callback) => asOwnConnection(() => connector(options, callback))
      agent = makeAgent(connect, proxy ? { uri: proxy, requestTls: tls } : undefined)
      agents.set(key, agent)
    }
    return agent
  }
  return {
    dispatch(options: any, handler: any) {
      return agentFor(options[CONNECT_OPTIONS]).dispatch(options, handler)
    },
    async destroy() {
      await Promise.all([...agents.values()].map((agent) => agent.destroy()))
      agents.clear()
    },
  }
}

/** Buffers (certificates) by content: a client that reads its CA file per request reuses one Agent. */
function keyOf(options: object): string {
  return JSON.stringify(options, (_name, value) => {
    if (typeof value === 'function') return `function:${value.name}`
    if (value && value.type === 'Buffer' && Array.isArray(value.data))
      return Buffer.from(value.data).toString('base64')
    return value
  })
}
