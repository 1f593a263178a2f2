/**
 * The global dispatcher: every fetch of a test goes through `dispatch`, and is either replayed
 * from the test's recording or sent to the network and recorded. It knows nothing about test
 * runners: the recorder tells it which recording a request belongs to.
 */
import { replaysOnly } from '../config/mode.js'
import type { RecordingMode } from '../config/options.js'
import { RecordingError, shownError } from '../errors.js'
import type { Interaction, StoredRequest, StoredResponse } from '../format/format.js'
import { idNormalizer, normalizingSink, sentText } from '../ids/normalizing-sink.js'
import { credentialsOfRequest } from '../privacy/credential-sources.js'
import type { Recording } from '../recording/recording.js'
import { KeyedRequests, type KeyRules } from '../recording/request-key.js'
import { replayableOf, storedResponseOf } from '../recording/response-store.js'
import { sameAsSent } from '../recording/same-request.js'
import { truncatedError } from '../recording/truncated-error.js'
import type { UnrecordedTrafficPolicy } from '../recording/unrecorded-traffic.js'
import { requestToForward, untouchedRequest } from './forward-request.js'
import { type ClientSink, failRequest, requestHeadersOf, sinkOf } from './handler-api.js'
import { holdRequest } from './hold.js'
import { missAnswerOf } from './miss-answer.js'
import { type CapturedResponse, type Dispatcher, forwardAndCapture, type Unanswered } from './record.js'
import { replayResponse } from './replay.js'
import { isFormData, type RequestBody, readRequestBody, requestBodyNow, textBody } from './request-body.js'

export interface DispatchContext {
  mode: RecordingMode
  rules: KeyRules
  volatileHeaders: ReadonlySet<string>
  /**
   * The recording this request belongs to (throws when attribution is ambiguous or too late;
   * `carried` gives the request's own credentials, for the error to redact).
   */
  recordingForRequest(method: string, url: string, carried: () => readonly string[]): Recording | undefined
  /** A text redacted with every secret the run knows now (RunSecrets.shown). */
  shown(text: string): string
  isPassthrough(method: string, url: string): boolean
  /** For a request to an app server (server mode): the attribution header it must carry. */
  appServerTag?(url: string): Promise<[name: string, value: string]> | undefined
  /** Secret values seen in requests this run (redacted before any write) plus the environment's. */
  secretsFor(requestSecrets: readonly string[]): readonly string[]
  upstream(): Promise<Dispatcher>
  /** WebSockets (upgrades) are never recorded: this lets one through or refuses it. */
  unrecorded?: UnrecordedTrafficPolicy
  /**
   * Remembers an error for the test that made the request: the test fails with it at its end.
   * True when a test took it: the request may then get an error answer instead of a network error.
   */
  onError(error: RecordingError): boolean | undefined
}

/** Errors raised before any response started, which an error answer can stand in for. */
const ANSWERABLE: ReadonlySet<string> = new Set([
  'RECORDING_MISS',
  'RECORDING_EXHAUSTED',
  'RECORDING_INVALID_JSON',
  'RECORDING_INVALID_FORMAT',
  'RECORDING_UNREADABLE',
])

export class RecordingDispatcher {
  private readonly keyed: KeyedRequests

  constructor(private readonly context: DispatchContext) {
    this.keyed = new KeyedRequests(context.rules)
  }

  /**
   * Node's fetch (undici 6 and 7) hands a dispatcher whose `isMockActive` is true the body as
   * the caller gave it (a string, bytes, a Blob, a FormData; the web stream of a stream body)
   * instead of an async generator over the body's web stream. undici's MockAgent is what the
   * switch is for; reading the generator cost ~40 µs and a dozen promises per request, and a
   * string body can now be replayed without waiting at all (docs/performance.md). Off in live
   * mode, where requests pass untouched.
   */
  get isMockActive(): boolean {
    return this.context.mode !== 'live'
  }

  dispatch(options: any, handler: any): boolean {
    return this.dispatchWith(this.context, options, handler)
  }

  /**
   * A request that brought its own dispatcher (`fetch(url, { dispatcher })`, transports/
   * own-dispatchers.ts): handled like any other, with that dispatcher as the upstream.
   */
  dispatchVia(upstream: Dispatcher, options: any, handler: any): boolean {
    return this.dispatchWith({ ...this.context, upstream: () => Promise.resolve(upstream) }, options, handler)
  }

  private dispatchWith(context: DispatchContext, options: any, handler: any): boolean {
    let pending: Promise<void> | undefined
    try {
      pending = handleRequest(context, this.keyed, options, handler)
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending?.catch((error) => {
      // The request fails whatever happens while noting the error: a client must never hang.
      let noted = false
      try {
        if (error instanceof RecordingError)
          noted = context.onError(shownError(error, context.shown)) === true
      } finally {
        // A test that will fail with the error gets an answer SDKs do not retry (miss-answer.ts):
        // a network error is retried with back-off, 1.5-2 s per miss with the OpenAI SDK, over 5 s
        // with the AI SDK. An error no test took (AMBIGUOUS_TEST) stays a network error.
        if (noted && ANSWERABLE.has((error as RecordingError).code)) answerWithError(sinkOf(handler), error)
        else failRequest(sinkOf(handler), error)
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

/**
 * Synchronous when the body is at hand (a string or bytes, which is what fetch passes for
 * JSON, text and form bodies): a replayed response starts inside `dispatch`, as MockAgent's
 * does. A promise when something must be awaited: a stream or Blob body, the network.
 */
function handleRequest(
  context: DispatchContext,
  keyed: KeyedRequests,
  options: any,
  handler: any,
): Promise<void> | undefined {
  const url = new URL(options.path, options.origin)
  const method = String(options.method ?? 'GET').toUpperCase()
  const tag = context.mode === 'live' ? undefined : context.appServerTag?.(url.href)
  if (tag)
    return tag.then(([name, value]) => forwardUntouched(context, withHeader(options, name, value), handler))
  // Passthrough first: a test's own server is reached from anywhere, in or out of a test.
  if (context.mode === 'live' || context.isPassthrough(method, url.href)) {
    return forwardUntouched(context, options, handler)
  }
  if (options.upgrade) return passUpgrade(context, options, handler, method, url)
  const recording = context.recordingForRequest(method, url.href, () =>
    credentialsOfRequest(requestHeadersOf(options.headers), url, context.rules.secretParams),
  )
  if (!recording) return forwardUntouched(context, options, handler)
  if (typeof options.body === 'string')
    return handleBody(context, keyed, recording, options, handler, url, method, textBody(options.body))
  const bytes = requestBodyNow(options.body)
  if (bytes) return handleBody(context, keyed, recording, options, handler, url, method, { bytes })
  return readRequestBody(options.body).then((body) =>
    handleBody(context, keyed, recording, options, handler, url, method, body),
  )
}

function handleBody(
  context: DispatchContext,
  keyed: KeyedRequests,
  recording: Recording,
  options: any,
  handler: any,
  url: URL,
  method: string,
  body: RequestBody,
): Promise<void> | undefined {
  const headers = requestHeadersOf(options.headers)
  if (body.contentType) headers['content-type'] = body.contentType
  // Keyed with this request's own credentials only: a key must not depend on earlier requests.
  const carried = credentialsOfRequest(headers, url, context.rules.secretParams)
  if (carried.length > 0) context.secretsFor(carried)
  if (body.text !== undefined && context.mode !== 'update') {
    const sent = { method, url, contentType: headers['content-type'], text: body.text }
    const answer = recording.matchInOrder((stored) => sameAsSent(sent, stored, context.rules, carried))
    if (answer) {
      recording.nextPosition()
      replayStored(sinkOf(handler), answer, recording)
      return undefined
    }
  }
  const live = { method, url, headers, body: body.bytes }
  const keyedRequest = keyed.of(live, carried)
  const { request, redacted } = keyedRequest
  // Secrets found by field name join the run's list: an echo in a response is redacted too.
  if (redacted.length > 0) context.secretsFor(redacted)
  const sink = sinkOf(handler)
  const position = recording.nextPosition()

  if (context.mode !== 'update') {
    const answer = recording.match(keyedRequest)
    if (!(answer instanceof RecordingError)) {
      replayStored(sink, answer, recording)
      return undefined
    }
    if (replaysOnly(context.mode)) {
      throw answer
    }
  }
  return recordRequest(context, recording, options, sink, request, keyedRequest.key, redacted, position, body)
}

async function recordRequest(
  context: DispatchContext,
  recording: Recording,
  options: any,
  sink: ClientSink,
  request: StoredRequest,
  key: string,
  redacted: readonly string[],
  position: number,
  body: RequestBody,
): Promise<void> {
  const slot = recording.reserve(key, redacted, `${request.method} ${request.url}`)
  const { ids } = recording
  // The test only ever sees normalized ids: the server gets the real ones back.
  const minted: Record<string, string> = {}
  const { request: forwarded, bytes: sentBytes } = requestToForward(options, body, ids)
  const sent = sentText({ path: forwarded.path, body: sentBytes })
  const normalizing = ids && idNormalizer(ids, { position, minted, sent })
  const bodiless = request.method === 'HEAD'
  const client = normalizing ? normalizingSink(sink, normalizing, { bodiless }) : undefined
  const id_normalization_mapping = ids?.keepMapping ? minted : {}
  const interactionOf = (captured: CapturedResponse | Unanswered): Interaction =>
    'abortedBy' in captured
      ? { request, aborted_by: captured.abortedBy, id_normalization_mapping }
      : answeredOf(captured)
  const answeredOf = (captured: CapturedResponse): Interaction => ({
    request,
    response: storedResponseOf(
      captured,
      context.volatileHeaders,
      normalizing && {
        text: client?.normalized ? client.rewriteStored : undefined,
        header: normalizing.header,
      },
    ),
    id_normalization_mapping,
  })
  let failure: unknown
  try {
    const captured = await forwardAndCapture(await context.upstream(), forwarded, client ?? sink, {
      onStart(started, upstream) {
        // If the test ends before the body does, what arrived by then is stored, marked truncated.
        slot.partial = () =>
          interactionOf({ ...started, chunks: [...started.chunks], complete: false, cutBy: 'test-end' })
        // A body being drained is never paused: a test that ends meanwhile waits for it.
        slot.waitingForClient = () => upstream.paused
      },
      onProgress: () => recording.progress(),
      onFailure: (error) => {
        failure = error
      },
    })
    // The slot outlives the response (until its test file ends): it must not keep the chunks.
    slot.partial = undefined
    slot.waitingForClient = undefined
    if (captured) recording.fill(slot, interactionOf(captured))
    else recording.lose(slot, failureReason(failure))
  } catch (error) {
    slot.partial = undefined
    recording.lose(slot, failureReason(error))
    throw error
  }
}

/** A failure in a line: `SocketError: other side closed (UND_ERR_SOCKET)`, with its cause's message. */
function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.name}: ${error.message}${typeof code === 'string' ? ` (${code})` : ''}${cause}`
}

/**
 * Passthrough, live mode and requests outside any test: to the network as they came. A
 * FormData body (what fetch passes for one, see isMockActive) is encoded here: undici would
 * encode it with a boundary of its own under fetch's content type, which names another.
 */
async function forwardUntouched(context: DispatchContext, options: any, handler: any): Promise<void> {
  const upstream = await context.upstream()
  if (!isFormData(options.body)) {
    upstream.dispatch(untouchedRequest(options), handler)
    return
  }
  const body = await readRequestBody(options.body)
  upstream.dispatch(requestToForward(options, body, undefined).request, handler)
}

/**
 * A WebSocket (undici's or Node's `WebSocket`, `Dispatcher.upgrade`): not recorded. Passed on
 * untouched, so the upstream hands the client its socket (onUpgrade / onRequestUpgrade, in the
 * client's own handler API); refused when the run only replays and the host is remote.
 */
function passUpgrade(context: DispatchContext, options: any, handler: any, method: string, url: URL) {
  const refusal = context.unrecorded?.({ kind: 'websocket', method, url: url.href })
  if (refusal) throw refusal
  return forwardUntouched(context, options, handler)
}

/** The request with one more header (an app server's attribution tag). */
function withHeader(options: any, name: string, value: string): any {
  const { headers } = options
  if (!headers) return { ...options, headers: { [name]: value } }
  if (Array.isArray(headers) && !Array.isArray(headers[0]))
    return { ...options, headers: [...headers, name, value] }
  if (typeof headers[Symbol.iterator] === 'function') {
    const flat: unknown[] = []
    for (const [key, item] of headers as Iterable<[unknown, unknown]>) flat.push(key, item)
    return { ...options, headers: [...flat, name, value] }
  }
  return { ...options, headers: { ...headers, [name]: value } }
}

/**
 * A stored answer to the client; a request its client aborted before any response (no
 * response stored) is held open until this run's client aborts it too (wire/hold.ts).
 */
function replayStored(sink: ClientSink, interaction: Interaction, recording: Recording): void {
  const { response, request } = interaction
  if (response) replayResponse(sink, replayable(response, recording.path))
  else
    recording.holdOpen(
      `${request.method} ${request.url}`,
      interaction.aborted_by ?? 'client-abort',
      (onEnd) => holdRequest(sink, onEnd),
    )
}

function replayable(response: StoredResponse, path: string) {
  try {
    return replayableOf(response, (cutBy) => truncatedError(path, cutBy))
  } catch (error) {
    // A hand-edited or hostile body (10,000 levels deep) must fail the test, not the worker.
    throw new RecordingError(
      'RECORDING_INVALID_FORMAT',
      `${path}: a recorded response cannot be replayed (${(error as Error).message}). Fix the body, or delete the file and re-record with UPDATE_RECORDINGS=1.`,
      { cause: error },
    )
  }
}

function answerWithError(sink: ClientSink, error: RecordingError): void {
  const { body, ...answer } = missAnswerOf(error)
  replayResponse(sink, { ...answer, chunks: [body] })
}
