/**
 * The global dispatcher: every fetch of a test goes through `dispatch`, and is either replayed
 * from the test's recording or sent to the network and recorded. It knows nothing about test
 * runners: the recorder tells it which recording a request belongs to.
 */
import { isUtf8 } from 'node:buffer'
import { RecordingError } from './errors.js'
import type { Interaction } from './format.js'
import { type ClientSink, type FlowController, requestHeadersOf, sinkOf } from './handler-api.js'
import type { IdMap } from './normalize-ids.js'
import { normalizingSink } from './normalizing-sink.js'
import type { RecordingMode } from './options.js'
import { type CapturedResponse, type Dispatcher, forwardAndCapture } from './record.js'
import type { Recording } from './recording.js'
import { replayResponse } from './replay.js'
import { readRequestBody } from './request-body.js'
import { type KeyRules, requestKey, storedRequestOf } from './request-key.js'
import { replayableOf, storedResponseOf } from './response-store.js'
import { secretValuesOfRequest } from './secrets.js'

export interface DispatchContext {
  mode: RecordingMode
  rules: KeyRules
  volatileHeaders: ReadonlySet<string>
  /** The recording this request belongs to (throws when attribution is ambiguous). */
  recordingForRequest(): Recording | undefined
  isPassthrough(method: string, url: string): boolean
  /** Secret values seen in requests this run (redacted before any write) plus the environment's. */
  secretsFor(requestSecrets: readonly string[]): readonly string[]
  upstream(): Promise<Dispatcher>
  /** Remembers an error for the test that made the request: the test fails with it at its end. */
  onError(error: RecordingError): void
}

export class RecordingDispatcher {
  constructor(private readonly context: DispatchContext) {}

  dispatch(options: any, handler: any): boolean {
    handleRequest(this.context, options, handler).catch((error) => {
      // The request fails whatever happens while noting the error: a client must never hang.
      try {
        if (error instanceof RecordingError) this.context.onError(error)
      } finally {
        failRequest(sinkOf(handler), error)
      }
    })
    return true
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  destroy(): Promise<void> {
    return Promise.resolve()
  }
}

async function handleRequest(context: DispatchContext, options: any, handler: any): Promise<void> {
  const url = new URL(options.path, options.origin)
  const method = String(options.method ?? 'GET').toUpperCase()
  const recording = context.mode === 'live' ? undefined : context.recordingForRequest()
  if (!recording || context.isPassthrough(method, url.href)) {
    ;(await context.upstream()).dispatch(options, handler)
    return
  }
  const body = await readRequestBody(options.body)
  const headers = requestHeadersOf(options.headers)
  const secrets = context.secretsFor(secretValuesOfRequest(headers, url, context.rules.secretParams))
  const redacted = new Set<string>()
  const request = storedRequestOf({ method, url, headers, body }, context.rules, secrets, redacted)
  const key = requestKey(request, context.rules.matchHeaders)
  const sink = sinkOf(handler)
  const position = recording.nextPosition()

  if (context.mode !== 'update') {
    const answer = recording.match(request, key)
    if (!(answer instanceof RecordingError)) {
      replayResponse(sink, replayable(answer, recording.path))
      return
    }
    if (context.mode === 'replay') {
      throw answer
    }
  }

  const slot = recording.reserve(key, redacted.size)
  const { ids } = recording
  // The test only ever sees normalized ids: the server gets the real ones back.
  const minted: Record<string, string> = {}
  const rewrite = ids ? (text: string) => ids.normalize(text, position, minted) : undefined
  const client = rewrite ? normalizingSink(sink, rewrite) : undefined
  const interactionOf = (captured: CapturedResponse): Interaction => ({
    request,
    response: storedResponseOf(captured, context.volatileHeaders, client?.normalized ? rewrite : undefined),
    id_normalization_mapping: ids?.keepMapping ? minted : {},
  })
  const forwarded = ids ? withRealIds(options, body, ids) : { ...options, body }
  const captured = await forwardAndCapture(await context.upstream(), forwarded, client ?? sink, (started) => {
    // If the test ends before the body does, what arrived by then is stored, marked truncated.
    slot.partial = () => interactionOf({ ...started, chunks: [...started.chunks], complete: false })
  })
  recording.fill(slot, captured && interactionOf(captured))
}

function withRealIds(options: any, body: Buffer, ids: IdMap): any {
  const path = ids.restore(options.path)
  if (body.length === 0 || !isUtf8(body)) return { ...options, path, body }
  const text = body.toString('utf8')
  const restored = ids.restore(text)
  if (restored === text) return { ...options, path, body }
  // The body changed length: undici computes content-length from the Buffer.
  return { ...options, path, body: Buffer.from(restored), headers: withoutContentLength(options.headers) }
}

function withoutContentLength(headers: unknown): unknown {
  if (!headers) return headers
  if (Array.isArray(headers)) {
    const out: unknown[] = []
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() !== 'content-length') out.push(headers[i], headers[i + 1])
    }
    return out
  }
  return Object.fromEntries(
    Object.entries(headers as object).filter(([name]) => name.toLowerCase() !== 'content-length'),
  )
}

function replayable(interaction: Interaction, path: string) {
  try {
    return replayableOf(interaction.response, () => truncatedError(path))
  } catch (error) {
    // A hand-edited or hostile body (10,000 levels deep) must fail the test, not the worker.
    throw new RecordingError(
      'RECORDING_INVALID_FORMAT',
      `${path}: a recorded response cannot be replayed (${(error as Error).message}). Fix the body, or delete the file and re-record with UPDATE_RECORDINGS=1.`,
      { cause: error },
    )
  }
}

const idleController: FlowController = {
  paused: false,
  aborted: false,
  pause() {},
  resume() {},
  abort() {},
}

/** Fails a request the way a network error would: fetch rejects with `cause` = our error. */
function failRequest(sink: ClientSink, error: unknown): void {
  sink.start(idleController)
  sink.error(error)
}

function truncatedError(path: string): Error {
  return new RecordingError(
    'RECORDING_TRUNCATED',
    `The recorded response ends where the client stopped reading while it was recorded, and this run read further.\n  file: ${path}\nRe-record it with UPDATE_RECORDINGS=1 so the whole response is stored.`,
  )
}
