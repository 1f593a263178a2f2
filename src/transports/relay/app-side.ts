/**
 * The app's end of the relay (loaded by the server preload, in the app's process): the global
 * dispatcher of an app server. A request made while the app handles a tagged request goes to
 * the test process's relay instead of its origin, with its target, the test's handle and the
 * run's token in headers; the relay's response is the answer, streamed through unchanged, so
 * the app's client sees it event by event. Every other request goes where it would have gone.
 */
import { failRequest, requestHeadersOf, sinkOf } from '../../wire/handler-api.js'
import type { Dispatcher } from '../../wire/record.js'
import { relayResponseHandler } from './app-handler.js'
import { RELAY_PATH, RELAY_TARGET_HEADER, RELAY_TEST_HEADER, RELAY_TOKEN_HEADER, type Tag } from './header.js'

export class AppRelayDispatcher {
  /**
   * @param currentTag the tag of the incoming request being handled, if any
   * @param network the dispatcher that was in place before (Node's own Agent): untagged
   *   requests go there. Relayed ones go through an undici 7 Agent of ours, loaded on the first
   *   tagged request (it speaks the handler API our relay handler does, on every Node).
   */
  constructor(
    private readonly currentTag: () => Tag | undefined,
    private readonly network: Dispatcher,
  ) {}

  dispatch(options: any, handler: any): boolean {
    const tag = this.currentTag()
    if (!tag) return this.network.dispatch(options, handler)
    const sink = sinkOf(handler)
    relayAgent().then(
      (agent) => agent.dispatch(relayedOptionsOf(tag, options), relayResponseHandler(sink)),
      (error) => failRequest(sink, error),
    )
    return true
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  destroy(): Promise<void> {
    return Promise.resolve()
  }
}

let agent: Promise<Dispatcher> | undefined

function relayAgent(): Promise<Dispatcher> {
  agent ??= import('undici').then(({ Agent }) => new Agent() as unknown as Dispatcher)
  return agent
}

function relayedOptionsOf(tag: Tag, options: any): any {
  const target = new URL(options.path, options.origin)
  return {
    ...options,
    origin: `http://${tag.relay}`,
    path: RELAY_PATH,
    headers: {
      ...requestHeadersOf(options.headers),
      [RELAY_TOKEN_HEADER]: tag.token,
      [RELAY_TEST_HEADER]: tag.test,
      [RELAY_TARGET_HEADER]: target.href,
    },
  }
}
