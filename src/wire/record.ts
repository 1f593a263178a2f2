/**
 * Recording is a tee: the request goes to the real dispatcher, every response event is passed
 * to the client as it arrives (streams keep streaming) and kept. The promise resolves when the
 * response ended; with `complete: false` when the client stopped reading early (the
 * recording is marked truncated, never stored as if whole); with undefined when the network
 * failed (nothing is stored, the client sees the failure).
 */
import type { ClientSink, FlowController, ResponseHeaders } from './handler-api.js'

export interface CapturedResponse {
  status: number
  statusText: string
  headers: ResponseHeaders
  chunks: Buffer[]
  complete: boolean
}

export interface Dispatcher {
  dispatch(options: any, handler: any): boolean
}

export function forwardAndCapture(
  dispatcher: Dispatcher,
  options: any,
  sink: ClientSink,
  /**
   * Called when the headers arrive, with the response as captured so far (it keeps growing) and
   * the upstream's flow control (paused while the client is not reading).
   */
  onStart?: (captured: CapturedResponse, upstream: FlowController) => void,
  /** Called after every response event (headers, a chunk, the end, an error). */
  onProgress?: () => void,
): Promise<CapturedResponse | undefined> {
  return new Promise((resolve) => {
    let captured: CapturedResponse | undefined
    let clientAborted = false
    let upstream: FlowController

    const clientController: FlowController = {
      get paused() {
        return upstream.paused
      },
      get aborted() {
        return upstream.aborted
      },
      pause: () => upstream.pause(),
      resume: () => upstream.resume(),
      abort(reason) {
        clientAborted = true
        upstream.abort(reason)
      },
    }

    dispatcher.dispatch(options, {
      onRequestStart(controller: FlowController) {
        upstream = controller
        sink.start(clientController)
      },
      onResponseStart(
        controller: FlowController,
        status: number,
        headers: ResponseHeaders,
        statusText: string,
      ) {
        captured = { status, statusText: statusText ?? '', headers, chunks: [], complete: false }
        onStart?.(captured, controller)
        if (!sink.headers(status, headers, statusText ?? '')) controller.pause()
        onProgress?.()
      },
      onResponseData(controller: FlowController, chunk: Buffer) {
        captured?.chunks.push(chunk)
        if (!sink.data(chunk)) controller.pause()
        onProgress?.()
      },
      onResponseEnd() {
        if (captured) captured.complete = true
        resolve(captured)
        sink.end()
      },
      onResponseError(_controller: FlowController, error: unknown) {
        resolve(clientAborted ? captured : undefined)
        sink.error(error)
      },
    })
  })
}
