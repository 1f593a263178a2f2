/**
 * Where a recorder sends what goes to the network (recording, passthrough): the dispatcher
 * given as `upstream`, or an undici Agent (a ProxyAgent behind a proxy) made at the first such
 * request, so replay-only runs never load undici.
 */
import { routingUpstream } from '../transports/node-http/upstream.js'
import { uninterceptedDispatcher } from '../transports/own-dispatchers.js'
import type { Dispatcher } from '../wire/record.js'

export class Upstream {
  private agent: Promise<Dispatcher> | undefined
  private forwarder: Promise<Dispatcher> | undefined

  constructor(private readonly given: Dispatcher | undefined) {
    if (given) this.agent = Promise.resolve(given)
  }

  /** The upstream as the dispatcher sends to it: its inner dispatches are not intercepted again. */
  forwarding(): Promise<Dispatcher> {
    this.forwarder ??= this.dispatcher().then(uninterceptedDispatcher)
    return this.forwarder
  }

  /** Destroys the Agent it made (never a given dispatcher); a later request makes a new one. */
  async close(): Promise<void> {
    const agent = this.agent
    this.agent = undefined
    this.forwarder = undefined
    // destroy, not close: close waits for response bodies nobody will ever read.
    if (agent && !this.given) await ((await agent) as any).destroy?.()
  }

  private dispatcher(): Promise<Dispatcher> {
    this.agent ??= import('undici').then(({ Agent, ProxyAgent, buildConnector }) =>
      routingUpstream(
        (connect, proxy) =>
          (proxy
            ? new ProxyAgent({ ...proxy, connect: connect as any })
            : new Agent({ connect: connect as any })) as any,
        (tlsOptions) => buildConnector(tlsOptions as any) as any,
      ),
    )
    return this.agent
  }
}
