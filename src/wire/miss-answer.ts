/**
 * The answer a client gets in place of a response that cannot be given (a replay miss, a test
 * that already ended): an HTTP error it can handle, shaped like the APIs' own errors so an SDK
 * surfaces the message, and marked so that no SDK retries it (a retry would miss again).
 * Status 400: SDKs and the AI SDK retry 408, 409, 429 and 5xx; `x-should-retry: false` is
 * honoured by the Stainless SDKs (OpenAI, Anthropic, Groq) on any status. The test itself is
 * failed with the RecordingError by the recorder; this answer only keeps the app going.
 */
import type { ResponseHeaders } from './handler-api.js'

export const MISS_ANSWER_STATUS = 400
/** Names the RecordingError code, so an app (or a test reading the app's logs) can tell. */
export const MISS_ANSWER_HEADER = 'x-fetch-recordings-error'

export interface MissAnswer {
  status: number
  statusText: string
  headers: ResponseHeaders
  body: Buffer
}

export function missAnswerOf(error: { code?: string; message: string }): MissAnswer {
  const code = error.code ?? 'RECORDING_ERROR'
  const body = Buffer.from(
    JSON.stringify({ error: { message: error.message, type: 'fetch_recordings_error', code } }),
  )
  return {
    status: MISS_ANSWER_STATUS,
    statusText: 'Bad Request',
    headers: {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'x-should-retry': 'false',
      [MISS_ANSWER_HEADER]: code,
    },
    body,
  }
}
