/**
 * The plugin's options, checked in the config process where a mistake is cheapest to report:
 * an unknown key (a typo would silently do nothing), or a function, which cannot reach the
 * workers (they receive options through `project.provide`, as plain data).
 */
import type { RecordingsOptions } from '../src/config/options.js'
import { RecordingError } from '../src/errors.js'
import { type Binding, type SerializedOptions, serializePatterns } from './settings.js'

type CodeOptions = 'passthrough' | 'normalizeRequest' | 'resolveRecordingPath' | 'upstream'

export interface FetchRecordingsOptions extends Omit<RecordingsOptions, CodeOptions> {
  /** URL prefixes, `*` globs or RegExps that go straight to the network (a predicate: use configFile). */
  passthrough?: (string | RegExp)[]
  /** Origins of app servers started with the server preload (docs/server-mode.md). */
  appServers?: (string | RegExp)[]
  /**
   * A module (relative to the project root; .ts works) whose default export holds more options,
   * functions included: normalizeRequest, a passthrough predicate, resolveRecordingPath.
   * Every worker imports it. Inline options win over the file's.
   */
  configFile?: string
  /** Fail the run (exit code 1) when a recording is stale, like obsolete snapshots in CI. */
  failOnStale?: boolean
  /** Also write the run report as JSON here (relative to the root; `{shard}` names the shard). */
  reportFile?: string
  /**
   * How requests are bound to their test: `aroundEach` (Vitest ≥ 4.1, the default there) or
   * `beforeEach` (Vitest 4.0; `test.concurrent` tests then cannot be told apart).
   */
  binding?: Binding
}

// A Record, not a list: an option added to the core without a decision here fails the type check.
const KEYS: Record<keyof FetchRecordingsOptions | CodeOptions, 'data' | 'code' | 'main'> = {
  mode: 'data',
  updateRecordings: 'data',
  pruneRecordings: 'data',
  matchHeaders: 'data',
  passthrough: 'data',
  appServers: 'data',
  allowRepeats: 'data',
  keepFailedRecordings: 'data',
  secretParams: 'data',
  volatileResponseHeaders: 'data',
  normalizeIds: 'data',
  blockNetwork: 'data',
  settleTimeout: 'data',
  normalizeRequest: 'code',
  resolveRecordingPath: 'code',
  upstream: 'code',
  configFile: 'main',
  failOnStale: 'main',
  reportFile: 'main',
  binding: 'main',
}

export interface CheckedOptions {
  inline: SerializedOptions
  configFile: string | undefined
  failOnStale: boolean
  reportFile: string | undefined
  binding: Binding
}

export function checkOptions(options: FetchRecordingsOptions = {}): CheckedOptions {
  const inline: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    const kind = (KEYS as Record<string, string | undefined>)[key]
    if (kind === undefined) {
      throw invalid(`"${key}" is not an option. Known options: ${Object.keys(KEYS).join(', ')}.`)
    }
    if (typeof value === 'function') {
      throw invalid(
        `${key} is a function, and functions cannot reach Vitest's workers. Move it to a module named by the configFile option (export default { ${key} }); see docs/vitest.md.`,
      )
    }
    if (kind === 'data' && value !== undefined) inline[key] = value
  }
  const checked = inline as Record<'passthrough' | 'appServers', unknown>
  for (const key of ['passthrough', 'appServers'] as const) {
    if (checked[key] === undefined) continue
    if (!Array.isArray(checked[key])) throw invalid(`${key} must be an array of strings or RegExps.`)
    checked[key] = serializePatterns(checked[key])
  }
  if (options.configFile !== undefined && typeof options.configFile !== 'string') {
    throw invalid('configFile must be a path (relative to the project root).')
  }
  if (
    options.reportFile !== undefined &&
    (typeof options.reportFile !== 'string' || options.reportFile === '')
  ) {
    throw invalid('reportFile must be a path (relative to the project root), like "reports/recordings.json".')
  }
  const binding = options.binding ?? 'auto'
  if (!['auto', 'aroundEach', 'beforeEach'].includes(binding)) {
    throw invalid(`binding: "${binding}" is not one of auto, aroundEach, beforeEach.`)
  }
  return {
    inline: checked as unknown as SerializedOptions,
    configFile: options.configFile,
    failOnStale: options.failOnStale === true,
    reportFile: options.reportFile,
    binding,
  }
}

function invalid(message: string): RecordingError {
  return new RecordingError('INVALID_OPTION', `Vitest plugin: ${message}`)
}
