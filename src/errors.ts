/**
 * One error class for everything the library reports. The `code` is stable (tests and users
 * match on it); the message is plain text (colour is the reporter's job) and ends with the fix.
 */
export type RecordingErrorCode =
  | 'RECORDING_MISS'
  | 'RECORDING_EXHAUSTED'
  | 'RECORDING_TRUNCATED'
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
