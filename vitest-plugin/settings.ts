/**
 * What crosses from the config process to the workers (`project.provide`) and back (task meta).
 * Only plain data crosses: RegExps travel as `{ source, flags }`; functions cannot travel at all
 * and come from `configFile`, which every worker imports itself (index.ts, setup.ts).
 */
import type { RecordingMode, RecordingOutcome, RecordingsOptions } from '../src/index.js'

/** The `project.provide` / `inject` key. */
export const PROVIDE_KEY = 'fetchRecordings'
/** The task meta key (tests: RecordingOutcome; files: FileMeta). */
export const META_KEY = 'fetchRecordings'

/** How a test's requests are bound to it: `aroundEach` (Vitest ≥ 4.1) or the older hooks. */
export type Binding = 'auto' | 'aroundEach' | 'beforeEach'

export interface SerializedPattern {
  source: string
  flags: string
}

/** The options a worker receives inline: everything but functions, patterns as plain data. */
export interface SerializedOptions
  extends Omit<
    RecordingsOptions,
    'passthrough' | 'appServers' | 'normalizeRequest' | 'resolveRecordingPath'
  > {
  passthrough?: (string | SerializedPattern)[]
  appServers?: (string | SerializedPattern)[]
}

export interface WorkerSettings {
  options: SerializedOptions
  /** The project root: test ids in files are relative to it. */
  rootDir: string
  /** Vitest is in snapshot-update `none` state (CI): replay unless told otherwise. */
  runnerCi: boolean
  /** `--update-recordings` / `--prune-recordings` found on the main process's command line (after `--`). */
  modeFlags: string[]
  /** Absolute path of the module with more options (functions included), if any. */
  configFile: string | undefined
  binding: Binding
  /**
   * `vitest/suite` of the project's Vitest as a file URL, for the `beforeEach` binding; none on
   * Vitest 5, which removed it. Resolved here: a literal `import('vitest/suite')` in setup.ts
   * would make Vite fail to load the setup file on Vitest 5, whatever the binding.
   */
  suiteModule: string | undefined
}

/** What a worker reports on a test file's task when the file ends. */
export interface FileMeta {
  mode: RecordingMode
  /** resolveRecordingPath was given: the reporter does not judge files and folders. */
  customLayout: boolean
  /** Outcome of the file-level recording (module scope, beforeAll/afterAll), if it was used. */
  fileLevel: RecordingOutcome[]
}

export function serializePatterns(
  patterns: readonly (string | RegExp)[] | undefined,
): (string | SerializedPattern)[] | undefined {
  return patterns?.map((pattern) =>
    typeof pattern === 'string' ? pattern : { source: pattern.source, flags: pattern.flags },
  )
}

export function deserializePatterns(
  patterns: readonly (string | SerializedPattern)[] | undefined,
): (string | RegExp)[] | undefined {
  return patterns?.map((pattern) =>
    typeof pattern === 'string' ? pattern : new RegExp(pattern.source, pattern.flags),
  )
}

/** Task meta is typed by Vitest as an empty interface users augment; we read and write ours by key. */
export function metaOf<T>(task: { meta: object }): T | undefined {
  return (task.meta as Record<string, unknown>)[META_KEY] as T | undefined
}

export function setMeta(task: { meta: object }, value: unknown): void {
  ;(task.meta as Record<string, unknown>)[META_KEY] = value
}
