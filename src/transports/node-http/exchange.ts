/**
 * One RecordingSocket's traffic, request after request: what the client writes is parsed, each
 * complete request becomes one dispatch to the same RecordingDispatcher that serves fetch
 * (so replay, record, secrets, ids and miss errors exist once), and the handler events that come
 * back are written to the socket as HTTP/1.1 bytes, event by event, honouring the client's
 * back-pressure (a full socket pauses the dispatch, a read resumes it) and its aborts (a
 * destroyed socket aborts the dispatch).
 */
import type { FlowController, ResponseHeaders } from '../../wire/handler-api.js'
import type { Dispatcher } from '../../wire/record.js'
import { type ParsedRequest, type RequestHead, RequestParser } from './request-parser.js'
import { CONTINUE, isBodiless, type ResponseFraming, responseFraming } from './response-writer.js'
import type { RecordingSocket } from './socket.js'

/** Dispatch options carry the client's TLS options here, for the upstream when recording. */
export const CONNECT_OPTIONS = Symbol.for('fetch-recordings.node-http.connect-options')

/**
 * Hop-by-hop headers: they describe this socket, not the request, and undici refuses them
 * (it frames the body and manages its own connections).
 */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'expect',
  'upgrade',
  'proxy-connection',
  'te',
])

export interface ExchangeOptions {
  socket: RecordingSocket
  dispatcher: Dispatcher
  /** TLS options the client gave its connection (ca, rejectUnauthorized, client certificates). */
  connectOptions: object | undefined
}

export interface Exchange {
  /** Nothing in flight: the socket can be closed without cutting a response short. */
  readonly idle: boolean
  /** Close the socket once the response in flight (if any) has been written. */
  retire(): void
}

export function serveSocket({ socket, dispatcher, connectOptions }: ExchangeOptions): Exchange {
  const { host, port, secure } = socket.target
  const origin = `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`
  let controller: FlowController | undefined
  let busy = false
  let endWhenIdle = false

  const finishExchange = () => {
    controller = undefined
    busy = false
    if (endWhenIdle) socket.push(null)
  }

  const parser = new RequestParser({
    head(head: RequestHead) {
      if (expectsContinue(head)) socket.deliver(CONTINUE)
    },
    request(request: ParsedRequest) {
      busy = true
      const options = {
        origin,
        path: request.target,
        method: request.method,
        headers: forwardedHeaders(request.rawHeaders),
        body: request.body.length > 0 ? request.body : null,
        [CONNECT_OPTIONS]: connectOptions,
      }
      dispatcher.dispatch(
        options,
        responseHandler(socket, request.method, finishExchange, (flow) => {
          controller = flow
        }),
      )
    },
  })

  socket.attach({
    write: (data) => parser.push(data),
    destroyed: (error) => controller?.abort(error ?? new Error('socket closed by the client')),
    ended: () => {
      if (!busy) return true
      endWhenIdle = true
      return false
    },
    drained: () => {
      if (controller?.paused) controller.resume()
    },
  })

  return {
    get idle() {
      return !busy
    },
    retire() {
      if (!busy) socket.destroy()
      else endWhenIdle = true
    },
  }
}

function responseHandler(
  socket: RecordingSocket,
  method: string,
  finished: () => void,
  started: (controller: FlowController) => void,
) {
  let framing: ResponseFraming | undefined
  const write = (controller: FlowController, bytes: Buffer | undefined) => {
    if (bytes && !socket.deliver(bytes)) controller.pause()
  }
  return {
    onRequestStart(controller: FlowController) {
      started(controller)
    },
    onResponseStart(
      controller: FlowController,
      status: number,
      headers: ResponseHeaders,
      statusText: string,
    ) {
      framing = responseFraming({ status, statusText, headers, bodiless: isBodiless(method, status) })
      write(controller, framing.head)
    },
    onResponseData(controller: FlowController, chunk: Buffer) {
      write(controller, framing?.chunk(chunk))
    },
    onResponseEnd() {
      if (framing?.end) socket.deliver(framing.end)
      finished()
    },
    onResponseError(_controller: FlowController, error: unknown) {
      finished()
      socket.destroy(error instanceof Error ? error : new Error(String(error)))
    },
  }
}

function expectsContinue(head: RequestHead): boolean {
  for (let i = 0; i < head.rawHeaders.length; i += 2) {
    if ((head.rawHeaders[i] as string).toLowerCase() === 'expect')
      return /100-continue/i.test(head.rawHeaders[i + 1] as string)
  }
  return false
}

/** The client's headers in its order and case, without the hop-by-hop ones. */
function forwardedHeaders(rawHeaders: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (!HOP_HEADERS.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1] as string)
  }
  return out
}
