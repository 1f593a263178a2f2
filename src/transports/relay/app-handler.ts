/**
 * In the app: the handler the relay's response is read with. It turns the framed body back into
 * the events it was made of and hands them to the app's own client one at a time, the next
 * when the client asks for more (or after a turn of the event loop, for clients that only
 * resume when paused): the app reads one event per read, as the test's own fetch would.
 * Backpressure goes back to the relay by pausing its response.
 */
import { setImmediate } from 'node:timers'
import type { ClientSink, FlowController, ResponseHeaders } from '../../wire/handler-api.js'
import { FRAMING_HEADER, FrameReader } from './frames.js'

/** Frames queued beyond this pause the relay's response until the client catches up. */
const QUEUE_LIMIT = 16

export function relayResponseHandler(sink: ClientSink) {
  let upstream: FlowController
  let framed = false
  const reader = new FrameReader()
  const queue: Buffer[] = []
  let ended = false
  let finished = false
  let clientPaused = false
  let scheduled = false

  const finish = (error?: unknown) => {
    if (finished) return
    finished = true
    if (error === undefined) sink.end()
    else sink.error(error)
  }

  const deliver = () => {
    scheduled = false
    if (finished || clientPaused || upstream.aborted) return
    const frame = queue.shift()
    if (!frame) {
      if (ended) finish()
      return
    }
    if (!sink.data(frame)) clientPaused = true
    if (queue.length < QUEUE_LIMIT && upstream.paused) upstream.resume()
    if (!clientPaused) schedule()
  }

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(deliver)
  }

  const client: FlowController = {
    get paused() {
      return clientPaused
    },
    get aborted() {
      return upstream.aborted
    },
    pause() {
      clientPaused = true
    },
    resume() {
      // Not paused: the next event is already on its way (one turn after the last).
      if (!clientPaused) return
      clientPaused = false
      schedule()
    },
    abort: (reason) => upstream.abort(reason),
  }

  return {
    onRequestStart(controller: FlowController) {
      upstream = controller
      sink.start(client)
    },
    onResponseStart(_c: FlowController, status: number, headers: ResponseHeaders, statusText: string) {
      framed = headers[FRAMING_HEADER] !== undefined
      const { [FRAMING_HEADER]: _framing, ...own } = headers
      if (!sink.headers(status, own, statusText ?? '')) clientPaused = true
    },
    onResponseData(controller: FlowController, bytes: Buffer) {
      if (!framed) {
        if (!sink.data(bytes)) controller.pause()
        return
      }
      queue.push(...reader.push(bytes))
      if (queue.length >= QUEUE_LIMIT) controller.pause()
      if (!scheduled && !clientPaused) deliver()
    },
    onResponseEnd() {
      if (!framed || queue.length === 0) return finish(reader.incomplete ? truncated() : undefined)
      ended = true
    },
    onResponseError(_c: FlowController, error: unknown) {
      queue.length = 0
      finish(error)
    },
  }
}

function truncated(): Error {
  return new Error('fetch-recordings relay: the response ended in the middle of an event.')
}
