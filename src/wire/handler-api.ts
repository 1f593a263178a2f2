/**
 * One internal view of a client's dispatch handler, whichever undici handler API it speaks:
 * the legacy one (onConnect/onHeaders/onData/onComplete/onError: Node's own fetch on 20, 22
 * and 24) or the newer one (onRequestStart/onResponseStart/...: undici 7+ and undici 8's
 * wrapper). Replay and record drive this view; only this file knows both APIs.
 */
import { remembered } from '../remembered.js'

export interface FlowController {
  readonly paused: boolean
  readonly aborted: boolean
  pause(): void
  resume(): void
  abort(reason?: unknown): void
}

export type ResponseHeaders = Record<string, string | string[]>

export interface ClientSink {
  start(controller: FlowController): void
  /** Returns false when the client wants the flow paused. */
  headers(status: number, headers: ResponseHeaders, statusText: string): boolean
  data(chunk: Buffer): boolean
  end(): void
  error(error: unknown): void
}

export function sinkOf(handler: any): ClientSink {
  return typeof handler.onRequestStart === 'function' || typeof handler.onResponseStart === 'function'
    ? modernSink(handler)
    : legacySink(handler)
}

function legacySink(handler: any): ClientSink {
  let controller: FlowController
  return {
    start(flow) {
      controller = flow
      handler.onConnect?.((reason?: unknown) => flow.abort(reason), {})
    },
    headers(status, headers, statusText) {
      handler.onResponseStarted?.()
      const resume = () => controller.resume()
      return handler.onHeaders?.(status, rawHeadersOf(headers), resume, statusText) !== false
    },
    data: (chunk) => handler.onData?.(chunk) !== false,
    end: () => handler.onComplete?.([]),
    error: (error) => handler.onError?.(error),
  }
}

function modernSink(handler: any): ClientSink {
  let controller: FlowController & { rawHeaders: Buffer[] }
  return {
    start(flow) {
      controller = withRawHeaders(flow)
      handler.onRequestStart?.(controller, {})
    },
    headers(status, headers, statusText) {
      // Node 26's fetch (undici 8.12) takes the headers from `controller.rawHeaders` only: with
      // none there it drops the headers object (no content-type: an SDK reads JSON as text).
      controller.rawHeaders = rawHeadersOf(headers)
      handler.onResponseStart?.(controller, status, headers, statusText)
      return !controller.paused
    },
    data(chunk) {
      handler.onResponseData?.(controller, chunk)
      return !controller.paused
    },
    end: () => handler.onResponseEnd?.(controller, {}),
    error: (error) => handler.onResponseError?.(controller, error),
  }
}

/** The client's view of a flow, with the response's raw headers beside it (see modernSink). */
function withRawHeaders(flow: FlowController): FlowController & { rawHeaders: Buffer[] } {
  return {
    rawHeaders: [],
    get paused() {
      return flow.paused
    },
    get aborted() {
      return flow.aborted
    },
    pause: () => flow.pause(),
    resume: () => flow.resume(),
    abort: (reason?: unknown) => flow.abort(reason),
  }
}

/** Replay hands the same headers object over for every replay of a response: encoded once. */
const rawHeadersCache = new WeakMap<ResponseHeaders, Buffer[]>()

/** The legacy API takes headers as a flat list of Buffers: name, value, name, value. */
function rawHeadersOf(headers: ResponseHeaders): Buffer[] {
  let raw = rawHeadersCache.get(headers)
  if (!raw) {
    raw = encodeRawHeaders(headers)
    rawHeadersCache.set(headers, raw)
  }
  // A copy of the list: a client may keep or change what it was given.
  return raw.slice()
}

function encodeRawHeaders(headers: ResponseHeaders): Buffer[] {
  const raw: Buffer[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (!Array.isArray(value)) raw.push(latin1Bytes(name), latin1Bytes(value))
    else for (const item of value) raw.push(latin1Bytes(name), latin1Bytes(item))
  }
  return raw
}

/**
 * Names and most values (`content-type: application/json`) recur across distinct responses:
 * encoded once. Sharing the Buffers is what replaying one response again did already.
 */
const latin1Bytes = remembered((text) => Buffer.from(text, 'latin1'), 1_000)

/** Request headers as undici passes them (object, flat array, or iterable) → lower-case record. */
export function requestHeadersOf(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  const add = (name: unknown, value: unknown) => {
    if (value === undefined || value === null) return
    const key = String(name).toLowerCase()
    const text = Array.isArray(value) ? value.join(', ') : String(value)
    out[key] = key in out ? `${out[key]}, ${text}` : text
  }
  if (!headers) return out
  if (Array.isArray(headers)) {
    if (Array.isArray(headers[0])) for (const [name, value] of headers as unknown[][]) add(name, value)
    else for (let i = 0; i < headers.length; i += 2) add(headers[i], headers[i + 1])
  } else if (typeof (headers as any)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[unknown, unknown]>) add(name, value)
  } else {
    for (const [name, value] of Object.entries(headers as object)) add(name, value)
  }
  return out
}

const idleController: FlowController = {
  paused: false,
  aborted: false,
  pause() {},
  resume() {},
  abort() {},
}

/** Fails a request the way a network error would: fetch rejects with `cause` = the error. */
export function failRequest(sink: ClientSink, error: unknown): void {
  sink.start(idleController)
  sink.error(error)
}
