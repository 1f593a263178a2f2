/**
 * Requests that bring their own dispatcher: `fetch(url, { dispatcher })`,
 * `undici.request(url, { dispatcher })`, an SDK's `fetchOptions: { dispatcher }` (a ProxyAgent,
 * an Agent with custom timeouts). They never read the global slot (install.ts), so the
 * `dispatch` method of undici's dispatcher classes is patched instead: a request dispatched by
 * user code goes to the recorder, which replays it or records it with that dispatcher as the
 * upstream (a proxy keeps working). Facts and limits: docs/discoveries/own-dispatchers.md.
 *
 * Which copies of undici: every one, in any realm. Each dispatcher class extends node:events'
 * EventEmitter, whose constructor calls `EventEmitter.init`; node:events is a builtin shared by
 * Jest's module registry and Vitest's vm pools, so wrapping `init` sees every dispatcher being
 * constructed, whichever copy its class comes from, and its prototype chain is patched then.
 * Copies already loaded (dispatchers made before install) are found in the CommonJS cache.
 *
 * undici calls `dispatch` on itself internally (Agent → Pool → Client, ProxyAgent's CONNECT,
 * retries, redirects). Everything we forward runs inside an AsyncLocalStorage marker, and its
 * options carry a symbol (undici spreads options, which copies it), so those inner calls pass.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import EventEmitter from 'node:events'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Dispatcher } from '../wire/record.js'

/** Where an intercepted request goes: `upstream` sends it through the user's own dispatcher. */
export type OwnDispatcherRoute = (upstream: Dispatcher, options: any, handler: any) => boolean

type DispatchMethod = (this: object, options: any, handler: any) => boolean

const FORWARDED = Symbol.for('fetch-recordings.forwarded')
const forwarding = new AsyncLocalStorage<true>()
/** undici's test doubles answer from memory: never recorded, their inner dispatches left alone. */
const TEST_DOUBLES = new Set(['MockAgent', 'MockPool', 'MockClient', 'SnapshotAgent'])
/** Methods every undici dispatcher has (Dispatcher's API): an event bus with `dispatch` has not. */
const DISPATCHER_API = ['dispatch', 'request', 'stream', 'pipeline', 'connect', 'upgrade', 'close', 'destroy']
const EXPORTED_CLASSES = [
  'Agent',
  'Pool',
  'BalancedPool',
  'Client',
  'ProxyAgent',
  'EnvHttpProxyAgent',
  'RetryAgent',
  ...TEST_DOUBLES,
]
const UNDICI_ENTRY = /[\\/]node_modules[\\/]undici[\\/]index\.js$/

/**
 * True inside a dispatch the recorder handed to a user's own dispatcher: the connections it opens
 * carry recorded, replayed or passthrough traffic, never traffic that bypassed the recorder.
 */
export function isForwardedDispatch(): boolean {
  return forwarding.getStore() === true
}

/** `dispatcher`, with every dispatch it makes (now and in its async continuations) left alone. */
export function uninterceptedDispatcher(dispatcher: Dispatcher): Dispatcher {
  return { dispatch: (options, handler) => forwardTo(dispatcher.dispatch, dispatcher, options, handler) }
}

function forwardTo(method: DispatchMethod, target: object, options: any, handler: any): boolean {
  const marked = typeof options === 'object' && options !== null ? { ...options, [FORWARDED]: true } : options
  return forwarding.run(true, () => method.call(target, marked, handler))
}

/** Installs the patches; returns the function that takes every one of them out again. */
export function interceptOwnDispatchers(route: OwnDispatcherRoute): () => void {
  const originals = new Map<object, DispatchMethod>()
  let active = true

  const patchPrototype = (prototype: any) => {
    if (originals.has(prototype) || !Object.hasOwn(prototype, 'dispatch')) return
    const original = prototype.dispatch
    if (typeof original !== 'function') return
    originals.set(prototype, original)
    // Decided per class, never for a shared base: a MockPool is a Pool, which real Agents use.
    const testDouble = TEST_DOUBLES.has(prototype.constructor?.name)
    prototype.dispatch = function dispatch(this: object, options: any, handler: any): boolean {
      if (testDouble) return forwardTo(original, this, options, handler)
      if (!active || forwarding.getStore()) return original.call(this, options, handler)
      const request = withOriginOf(this, options)
      if (!isPlainRequest(request)) return original.call(this, options, handler)
      const upstream: Dispatcher = { dispatch: (o, h) => forwardTo(original, this, o, h) }
      return route(upstream, request, handler)
    }
  }

  const patchChainOf = (start: object | null) => {
    for (
      let p = start;
      p && p !== EventEmitter.prototype && p !== Object.prototype;
      p = Object.getPrototypeOf(p)
    )
      patchPrototype(p)
  }

  for (const exports of loadedUndiciCopies()) {
    for (const name of EXPORTED_CLASSES) {
      const dispatcherClass = exports?.[name]
      if (typeof dispatcherClass === 'function' && isDispatcherLike(dispatcherClass.prototype))
        patchChainOf(dispatcherClass.prototype)
    }
  }

  const emitter = EventEmitter as unknown as { init?: (...args: unknown[]) => unknown }
  const originalInit = emitter.init
  const init = function (this: unknown, ...args: unknown[]) {
    const result = originalInit?.apply(this, args)
    if (active && isDispatcherLike(this)) patchChainOf(Object.getPrototypeOf(this))
    return result
  }
  if (typeof originalInit === 'function') emitter.init = init

  return () => {
    if (!active) return
    active = false
    if (emitter.init === init) emitter.init = originalInit
    for (const [prototype, original] of originals) (prototype as any).dispatch = original
    originals.clear()
  }
}

function isDispatcherLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  return DISPATCHER_API.every((name) => typeof (value as any)[name] === 'function')
}

/**
 * `pool.request({ path })`, `client.request({ path })`: a Pool or a Client knows its origin and
 * the options do not carry it. undici keeps it under a private symbol named `url` (a URL).
 */
function withOriginOf(dispatcher: object, options: any): any {
  if (typeof options !== 'object' || options === null || options.origin !== undefined) return options
  const symbol = Object.getOwnPropertySymbols(dispatcher).find((s) => s.description === 'url')
  const url = symbol ? (dispatcher as any)[symbol] : undefined
  return typeof url?.origin === 'string' ? { ...options, origin: url.origin } : options
}

/**
 * An HTTP request for the recorder: not ours, not a CONNECT (a tunnel). An upgrade (a WebSocket)
 * is routed too: the recorder passes it through or, in a run that only replays, refuses it.
 */
function isPlainRequest(options: any): boolean {
  return (
    typeof options === 'object' &&
    options !== null &&
    !options[FORWARDED] &&
    options.origin !== undefined &&
    typeof options.path === 'string' &&
    String(options.method ?? 'GET').toUpperCase() !== 'CONNECT'
  )
}

/** The undici packages this process has loaded with require (import of CommonJS lands there too). */
function loadedUndiciCopies(): any[] {
  const cache = createRequire(join(process.cwd(), 'noop.js')).cache
  return Object.keys(cache)
    .filter((path) => UNDICI_ENTRY.test(path))
    .map((path) => cache[path]?.exports)
}
