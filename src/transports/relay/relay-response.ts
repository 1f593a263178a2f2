/**
 * Between the relay's HTTP exchange and the core's dispatcher: the headers of a relayed request
 * as the app sent them, and a dispatch handler that writes the response events to the app as
 * they come (a recorded stream keeps streaming; a replayed one goes out one event per write),
 * with the app's backpressure and disconnects passed back to the dispatcher.
 */
import type { ServerResponse } from 'node:http'
import { isRecordingError, shownError } from '../../errors.js'
import type { FlowController, ResponseHeaders } from '../../wire/handler-api.js'
import { type MissAnswer, missAnswerOf } from '../../wire/miss-answer.js'
import { FRAMING_HEADER, FRAMING_VERSION, frameOf } from './frames.js'
import { RELAY_TARGET_HEADER, RELAY_TEST_HEADER, RELAY_TOKEN_HEADER, TAG_HEADER } from './header.js'

/** Set by the hop (the relay) or by undici from the body, never the app's to pass on. */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'te',
  'upgrade',
  'proxy-connection',
  RELAY_TOKEN_HEADER,
  RELAY_TEST_HEADER,
  RELAY_TARGET_HEADER,
  // An app that forwards its incoming headers must not tag its outbound requests.
  TAG_HEADER,
])

/** `rawHeaders` of the relayed request, without the relay's own and hop-by-hop headers. */
export function relayedRequestHeaders(rawHeaders: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (!HOP_HEADERS.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1] as string)
  }
  return out
}

export function writeAnswer(res: ServerResponse, answer: MissAnswer): void {
  res.writeHead(answer.status, answer.statusText, answer.headers).end(answer.body)
}

/** An undici (new API) handler writing the response to the app, one frame per event. */
export function responseWriter(res: ServerResponse, shown: (text: string) => string) {
  let controller: FlowController | undefined
  res.on('close', () => {
    // The app went away before the end: stop the replay, or the upstream request.
    if (!res.writableFinished) controller?.abort(new Error('The app server closed the relayed request.'))
  })
  return {
    onRequestStart(flow: FlowController) {
      controller = flow
    },
    onResponseStart(_flow: FlowController, status: number, headers: ResponseHeaders, statusText: string) {
      res.writeHead(status, statusText || undefined, {
        ...responseHeadersOf(headers),
        [FRAMING_HEADER]: FRAMING_VERSION,
      })
      res.flushHeaders()
    },
    onResponseData(flow: FlowController, chunk: Buffer) {
      if (chunk.length === 0 || res.write(frameOf(chunk))) return
      flow.pause()
      res.once('drain', () => flow.resume())
    },
    onResponseEnd() {
      res.end()
    },
    onResponseError(_flow: FlowController, error: unknown) {
      // A miss the app can handle; anything else looks to the app like the network failing.
      if (!res.headersSent && isRecordingError(error))
        writeAnswer(res, missAnswerOf(shownError(error, shown)))
      else res.destroy()
    },
  }
}

/** Framing is the relay's own: the body's length may differ from what upstream announced. */
function responseHeadersOf(headers: ResponseHeaders): ResponseHeaders {
  const out: ResponseHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (
      lower !== 'content-length' &&
      lower !== 'transfer-encoding' &&
      lower !== 'connection' &&
      lower !== 'keep-alive'
    )
      out[name] = value
  }
  return out
}
