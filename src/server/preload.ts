/**
 * `node --import fetch-recordings/server app.js` (or `--require`, or NODE_OPTIONS): server mode
 * in an app under test (docs/server-mode.md). Inert until a request arrives with the test
 * runner's attribution header: then that request's handling runs in an async context holding
 * the tag, and every request the app makes in it is relayed to the test's process, which
 * records or replays it into the test's recording. Untagged requests (startup, cron, real
 * users) go to the network as before.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import http from 'node:http'
import https from 'node:https'
import { currentGlobalDispatcher, installGlobalDispatcher } from '../transports/install.js'
import { AppRelayDispatcher } from '../transports/relay/app-side.js'
import { parseTag, TAG_HEADER, type Tag } from '../transports/relay/header.js'
import type { Dispatcher } from '../wire/record.js'

// The ESM and CJS builds are separate module instances: one installation per process.
const INSTALLED = Symbol.for('fetch-recordings.server-mode')

if (!(globalThis as any)[INSTALLED]) {
  ;(globalThis as any)[INSTALLED] = true
  installServerMode()
}

function installServerMode(): void {
  const tags = new AsyncLocalStorage<Tag>()
  for (const server of [http.Server, https.Server]) wrapRequestEvents(server.prototype, tags)
  const network = currentGlobalDispatcher() as Dispatcher | undefined
  if (!network) {
    process.emitWarning('fetch-recordings server mode: no global dispatcher found; nothing is relayed.')
    return
  }
  // Not exclusive: a test process that inherits the preload (NODE_OPTIONS) installs its own over it.
  installGlobalDispatcher(new AppRelayDispatcher(() => tags.getStore(), network), { exclusive: false })
}

/**
 * `http.Server` emits 'request' for each request it parsed; wrapping that emit puts the whole
 * handling of a tagged request (middleware, awaits, streams) in the tag's async context.
 */
function wrapRequestEvents(
  prototype: { emit: (...args: any[]) => boolean },
  tags: AsyncLocalStorage<Tag>,
): void {
  const emit = prototype.emit
  let warned = false
  prototype.emit = function (this: unknown, event: string | symbol, ...args: any[]): boolean {
    if (event !== 'request') return emit.call(this, event, ...args)
    const parsed = parseTag(args[0]?.headers?.[TAG_HEADER])
    if (parsed && 'tag' in parsed) return tags.run(parsed.tag, () => emit.call(this, event, ...args))
    if (parsed && !warned) {
      warned = true
      process.emitWarning(
        `fetch-recordings server mode ignores a ${TAG_HEADER} header: ${parsed.unsupported}. Install the same fetch-recordings version in the app and in the tests.`,
      )
    }
    return emit.call(this, event, ...args)
  }
}
