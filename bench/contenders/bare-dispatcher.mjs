/**
 * Floors for W2, not products: the least any dispatcher can do to serve the SSE answer through
 * Node's fetch. A plain object in the global dispatcher slot (no undici package, no matching,
 * no request body read) that answers from memory, in one of three ways (BENCH_FLOOR):
 *
 *  - `one-chunk`: the whole body in one onData call, as MockAgent, SnapshotAgent and Polly do
 *    (the client reads it in one read);
 *  - `events`: one chunk per SSE event, the next one handed over when fetch asks for more
 *    (its `resume`, deferred to a microtask) or after a turn of the event loop: the pacing
 *    fetch-recordings' replay uses, so the client reads the 60 events in 60 reads;
 *  - `events-als`: the same, with the requests made inside an AsyncLocalStorage context, as
 *    fetch-recordings binds every test (on Node 20 that puts a hook on every promise).
 *
 * fetch-recordings' W2 row compared with these says what per-event delivery costs through
 * fetch, what the AsyncLocalStorage binding costs, and what is left of the library's own work.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { route } from '../lib/data.mjs'

const SLOT = Symbol.for('undici.globalDispatcher.1')
const KINDS = {
  'floor-one-chunk': { label: 'bare dispatcher, whole body in 1 chunk', events: false, als: false },
  'floor-events': { label: 'bare dispatcher, 1 chunk per event (demand-paced)', events: true, als: false },
  'floor-events-als': {
    label: 'bare dispatcher, 1 chunk per event, inside AsyncLocalStorage',
    events: true,
    als: true,
  },
}

export function contender(id) {
  const kind = KINDS[id]
  return {
    label: kind.label,
    phases: ['replay'],
    workloads: ['w2'],
    async open() {
      const { headers, chunks } = route('/v1/w2/chat/completions')
      const raw = Object.entries(headers).flatMap(([name, value]) => [Buffer.from(name), Buffer.from(value)])
      const parts = kind.events ? chunks.map((c) => Buffer.from(c)) : [Buffer.from(chunks.join(''))]
      const als = kind.als ? new AsyncLocalStorage() : undefined
      const previous = globalThis[SLOT]
      globalThis[SLOT] = {
        dispatch(_options, handler) {
          if (als && !als.getStore()) throw new Error('request outside the test context')
          reply(handler, raw, parts)
          return true
        },
      }
      return {
        runTest: (test, fn) => (als ? als.run(test, fn) : fn()),
        close: async () => {
          globalThis[SLOT] = previous
        },
      }
    },
  }
}

/** Legacy handler API (Node's fetch): headers, then the parts, each when fetch asks for more. */
function reply(handler, raw, parts) {
  handler.onConnect(() => {}, {})
  let index = 0
  let waiting = false
  let fallback
  const next = () => {
    if (!waiting) return
    waiting = false
    if (fallback) clearImmediate(fallback)
    fallback = undefined
    pump()
  }
  const pump = () => {
    handler.onData(parts[index++])
    if (index === parts.length) return handler.onComplete([])
    waiting = true
    fallback = setImmediate(next)
  }
  handler.onHeaders(200, raw, () => waiting && queueMicrotask(next), 'OK')
  pump()
}
