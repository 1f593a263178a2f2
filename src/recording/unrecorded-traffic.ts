/**
 * Traffic the recorder lets through without recording it: WebSockets (any HTTP upgrade: undici's
 * and Node's `WebSocket`, the `ws` package) and node:http requests that open their own connection
 * (`createConnection` with no agent). While recording, each goes out as it came, so the client
 * works, and one to a remote host is noted for the summary's "bypassed" line. In a run that
 * only replays it would reach the network: one to a remote host is refused, with the fix, as
 * worker threads are (docs/modes.md#websockets-and-own-connections).
 */
import { replaysOnly } from '../config/mode.js'
import type { RecordingMode } from '../config/options.js'
import { RecordingError, shownError } from '../errors.js'
import { isLoopbackHost } from '../transports/network-guard.js'
import type { Recording } from './recording.js'

export type UnrecordedKind = 'websocket' | 'own-connection'

export interface UnrecordedRequest {
  kind: UnrecordedKind
  method: string
  /** The request's URL (http: or https:; a WebSocket's is shown as ws: or wss:). */
  url: string
}

/** Decides one request: undefined lets it through, an error refuses it (the client fails with it). */
export type UnrecordedTrafficPolicy = (request: UnrecordedRequest) => RecordingError | undefined

export interface PolicyInputs {
  mode: RecordingMode
  isPassthrough(method: string, url: string): boolean
  /** The recording of the test running now, if one can be told. */
  currentRecording(): Recording | undefined
  /** The URL as an error may show it (credentials in the query removed). */
  shownUrl(url: URL): string
  /** A text with the run's secrets redacted. */
  shown(text: string): string
}

export function unrecordedTrafficPolicy(inputs: PolicyInputs): UnrecordedTrafficPolicy {
  return (request) => {
    if (inputs.mode === 'live') return undefined
    const url = new URL(request.url)
    if (isLoopbackHost(url.hostname) || inputs.isPassthrough(request.method, request.url)) return undefined
    const recording = inputs.currentRecording()
    if (!replaysOnly(inputs.mode)) {
      recording?.noteBypass(url.hostname)
      return undefined
    }
    const error = shownError(
      refusal(request, inputs.shownUrl(url), inputs.mode, recording?.testId),
      inputs.shown,
    )
    recording?.noteMiss(error)
    return error
  }
}

function refusal(
  request: UnrecordedRequest,
  shown: string,
  mode: RecordingMode,
  testId?: string,
): RecordingError {
  const where = testId ? ` in "${testId}"` : ' outside any test'
  const origin = new URL(shown).origin
  const passthrough = `add the host to passthrough to let tests talk to it live (passthrough: ['${origin}'])`
  if (request.kind === 'websocket') {
    return new RecordingError(
      'WEBSOCKET_REFUSED',
      `A WebSocket to ${asWebSocketUrl(shown)}${where} was refused: WebSocket traffic is not recorded, and this run only replays (mode: ${mode}), so it would reach the network. Mock the socket in this test, or ${passthrough}.`,
    )
  }
  return new RecordingError(
    'OWN_CONNECTION_REFUSED',
    `The request ${request.method} ${shown}${where} was refused: it opens its own connection (the createConnection option of http.request, with no agent), which the recorder cannot see, so it is neither recorded nor replayed, and this run only replays (mode: ${mode}). Drop createConnection (an Agent's connection is recorded and replayed), mock the client, or ${passthrough}.`,
  )
}

function asWebSocketUrl(url: string): string {
  return url.replace(/^http(s?):/, 'ws$1:')
}
