/**
 * The environment's options: `testEnvironmentOptions` plus, optionally, a module named by
 * `configFile`. Jest sends the project config to its workers serialized, so functions and
 * RegExps in `testEnvironmentOptions` would work in band and vanish with workers; options that
 * are code (normalizeRequest, resolveRecordingPath, RegExp passthrough) belong in `configFile`,
 * which every worker loads itself.
 */
import { createRequire } from 'node:module'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { RecordingsOptions } from '../src/config/options.js'
import { RecordingError } from '../src/errors.js'

export interface EnvironmentOptions extends RecordingsOptions {
  /** A module (CJS or ESM, relative to rootDir) exporting more options, functions included. */
  configFile?: string
}

// A Record, not a list: adding an option to the core without listing it here fails the type check.
const OPTION_KEYS: Record<keyof EnvironmentOptions, true> = {
  mode: true,
  updateRecordings: true,
  pruneRecordings: true,
  matchHeaders: true,
  passthrough: true,
  appServers: true,
  normalizeRequest: true,
  allowRepeats: true,
  keepFailedRecordings: true,
  resolveRecordingPath: true,
  secretParams: true,
  volatileResponseHeaders: true,
  normalizeIds: true,
  blockNetwork: true,
  settleTimeout: true,
  upstream: true,
  configFile: true,
}

/**
 * Splits `testEnvironmentOptions` into ours and the rest. jest-environment-node copies every
 * key of that object onto the test's global, so ours must not reach it (a global `mode`).
 */
export function splitEnvironmentOptions(all: Record<string, unknown> | undefined): {
  own: EnvironmentOptions
  rest: Record<string, unknown>
} {
  const own: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(all ?? {})) {
    if (Object.hasOwn(OPTION_KEYS, key)) own[key] = value
    else rest[key] = value
  }
  return { own: own as EnvironmentOptions, rest }
}

/** The options a Recorder gets: the configFile's, overridden by the inline ones. */
export async function loadOptions(own: EnvironmentOptions, rootDir: string): Promise<RecordingsOptions> {
  const { configFile, ...inline } = own
  checkInline(inline)
  if (configFile === undefined) return inline
  const path = isAbsolute(configFile) ? configFile : resolve(rootDir, configFile)
  let loaded: unknown
  try {
    const module = await requireOrImport(path)
    loaded = module.default ?? module
  } catch (error) {
    throw new RecordingError(
      'INVALID_OPTION',
      `testEnvironmentOptions.configFile: could not load ${path} (${(error as Error).message}). Point it at a .js, .cjs or .mjs module (relative to rootDir) that exports the options object.`,
      { cause: error },
    )
  }
  if (typeof loaded !== 'object' || loaded === null) {
    throw new RecordingError(
      'INVALID_OPTION',
      `testEnvironmentOptions.configFile: ${path} must export an options object (module.exports = { … } or export default { … }).`,
    )
  }
  return { ...(loaded as RecordingsOptions), ...inline }
}

function checkInline(options: RecordingsOptions): void {
  for (const key of ['matchHeaders', 'secretParams', 'volatileResponseHeaders'] as const) {
    const value = options[key]
    if (value !== undefined && !(Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
      throw new RecordingError(
        'INVALID_OPTION',
        `testEnvironmentOptions.${key} must be an array of strings, got ${JSON.stringify(value)}.`,
      )
    }
  }
  const { settleTimeout } = options
  if (settleTimeout !== undefined && !(Number.isFinite(settleTimeout) && settleTimeout >= 0)) {
    throw new RecordingError(
      'INVALID_OPTION',
      `testEnvironmentOptions.settleTimeout must be a number of milliseconds (0 or more), got ${JSON.stringify(settleTimeout)}.`,
    )
  }
  for (const key of [
    'updateRecordings',
    'pruneRecordings',
    'allowRepeats',
    'blockNetwork',
    'keepFailedRecordings',
  ] as const) {
    const value = options[key]
    if (value !== undefined && typeof value !== 'boolean') {
      throw new RecordingError(
        'INVALID_OPTION',
        `testEnvironmentOptions.${key} must be true or false, got ${JSON.stringify(value)}.`,
      )
    }
  }
}

// The CJS build turns `import()` into `require()`, which cannot load ESM on Node 20; a native
// import() is kept out of the bundler's sight (jest-util's requireOrImportModule does the same).
const nativeImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<Record<string, unknown>>

async function requireOrImport(path: string): Promise<Record<string, unknown>> {
  if (!path.endsWith('.mjs')) {
    try {
      return createRequire(path)(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error
    }
  }
  return nativeImport(pathToFileURL(path).href)
}
