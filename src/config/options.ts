import type { StoredRequest } from '../format/format.js'

export type RecordingMode = 'replay' | 'new' | 'update' | 'live' | 'prune'
export const RECORDING_MODES: readonly RecordingMode[] = ['replay', 'new', 'update', 'live', 'prune']

export type UrlPattern = string | RegExp

export interface TestIdentity {
  /** Absolute path of the test file. */
  testFile: string
  /** Full test name without the file: `describe > test [params]`. Empty for the file-level recording. */
  testName: string
}

export interface RecordingsOptions {
  /** Explicit mode; `FETCH_RECORDINGS` and the update flag still win (see mode.ts). */
  mode?: RecordingMode
  /** Same as the update flag: re-record everything the tests touch. */
  updateRecordings?: boolean
  /** Same as the prune flag: replay, and delete what the end-of-run report finds stale (full runs only). */
  pruneRecordings?: boolean
  /** Request headers (lower case) stored and made part of the match key. Secrets are refused. */
  matchHeaders?: string[]
  /**
   * Origins of app servers running with the server preload (`http://127.0.0.1:3000`: URL
   * prefixes, `*` globs, RegExps). A test's requests to them are not recorded: they carry the
   * test's identity, and what the app requests while handling them is recorded into that test's
   * recording (docs/server-mode.md).
   */
  appServers?: UrlPattern[]
  /** Requests that go straight to the network and are never recorded (a test's own server). */
  passthrough?: UrlPattern[] | ((request: { method: string; url: string }) => boolean)
  /** Rewrite a request (both for matching and for storage): drop timestamps, random ids, ... */
  normalizeRequest?: (request: StoredRequest) => StoredRequest | undefined
  /** When the n-th identical request has no n-th answer, serve the last one instead of failing. */
  allowRepeats?: boolean
  /**
   * In `new` and `update` mode, also write what a failed test recorded (default: not kept, like
   * VCR's record_on_exception: false, so an error answer of a broken key or an outage is not
   * replayed forever; in `update` the file a failed test had stays as it was).
   */
  keepFailedRecordings?: boolean
  /** Override the recording file location. */
  resolveRecordingPath?: (test: TestIdentity) => string
  /** Extra secret query parameter names (merged with the defaults). */
  secretParams?: string[]
  /** Extra response headers that change per request and are not stored. */
  volatileResponseHeaders?: string[]
  /** Replace fresh ids and timestamps in responses by deterministic ones (default on). */
  normalizeIds?: boolean | NormalizeIdsOptions
  /**
   * How long (ms) a finished test waits for the requests it is still recording before its
   * recording is written; a request still unanswered then fails the test. Default 5000.
   */
  settleTimeout?: number
  /** In replay mode also refuse non-loopback connections made by other clients. */
  blockNetwork?: boolean
  /**
   * The dispatcher live traffic goes through (recording, passthrough, live mode): a
   * `ProxyAgent` behind a corporate proxy, or a local stand-in for an API while developing.
   * Default: a fresh undici Agent. Code, so it goes in a configFile.
   */
  upstream?: { dispatch(options: any, handler: any): boolean }
}

export interface NormalizeIdsOptions {
  /** Extra id prefixes (`chatcmpl-`, `msg_`, ...) whose values are normalized. */
  prefixes?: string[]
  /** Extra JSON field names whose string values are ids. */
  fields?: string[]
  /** JSON field names holding timestamps that become fixed values. */
  timestamps?: string[]
  /** Keep the normalized → real id pairs in the file (off by default). */
  keepMapping?: boolean
}
