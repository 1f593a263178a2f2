/**
 * One error class for everything the library reports. The `code` is stable (tests and users
 * match on it); the message is plain text (colour is the reporter's job) and ends with the fix.
 */
export type RecordingErrorCode =
  | 'RECORDING_MISS'
  | 'RECORDING_EXHAUSTED'
  | 'RECORDING_TRUNCATED'
  | 'RECORDING_ABORT_EXPECTED'
  | 'RECORDING_INVALID_JSON'
  | 'RECORDING_INVALID_FORMAT'
  | 'RECORDING_UNREADABLE'
  | 'REPLAYED_ERROR_ANSWER'
  | 'RECORDING_WRITE_FAILED'
  | 'AMBIGUOUS_TEST'
  | 'REQUEST_OUTLIVED_TEST'
  | 'REQUEST_AFTER_TEST_END'
  | 'DUPLICATE_TEST_NAME'
  | 'ALREADY_INSTALLED'
  | 'INVALID_OPTION'
  | 'NETWORK_BLOCKED'
  | 'RELAY_REFUSED'
  | 'HTTP2_UNSUPPORTED'
  | 'WORKER_REQUEST_REFUSED'
  | 'WEBSOCKET_REFUSED'
  | 'OWN_CONNECTION_REFUSED'

export class RecordingError extends Error {
  readonly code: RecordingErrorCode

  constructor(code: RecordingErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[fetch-recordings] ${message}`, options)
    this.name = 'RecordingError'
    this.code = code
  }

  /**
   * `instanceof` holds for a RecordingError made by any copy of the library in the process: a
   * test's own import and the runner integration's may be different module instances (Jest's
   * registry evaluates packages again per test file; the Vitest worker entry is one file).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isRecordingError(value)
  }
}

export function isRecordingError(value: unknown): value is RecordingError {
  return value instanceof Error && value.name === 'RecordingError' && typeof (value as any).code === 'string'
}

/**
 * The error with its text passed through `shown` (the run's one redaction, RunSecrets.shown),
 * its stack's copy of the message too: every error the library throws, answers or prints goes
 * through this, with the secrets the run knows when it is shown (docs/secrets.md).
 */
export function shownError<E extends Error>(error: E, shown: (text: string) => string): E {
  const message = shown(error.message)
  if (message === error.message) return error
  const stack = error.stack
  error.message = message
  if (typeof stack === 'string') error.stack = shown(stack)
  return error
}
