/**
 * The Vitest plugin (config process):
 *   export default defineConfig({ plugins: [fetchRecordings({ ... })] })
 * For every project it adds the setup file that drives recordings in the workers (setup.ts),
 * hands the workers their options (`project.provide`), and adds one reporter for the whole run
 * (reporter.ts). The mode is resolved here as well, from the same inputs the workers use, so a
 * wrong `FETCH_RECORDINGS` fails before any test runs.
 */
import { existsSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { VitestPluginContext } from 'vitest/node'
import { modeFlagsOf, RecordingError, resolveMode } from '../src/index.js'
import { type CheckedOptions, checkOptions, type FetchRecordingsOptions } from './options.js'
import { reporterFor } from './reporter.js'
import { PROVIDE_KEY, type WorkerSettings } from './settings.js'

export type { FetchRecordingsOptions } from './options.js'
export { FetchRecordingsReporter, UPDATE_COMMAND } from './reporter.js'

/** The identifier setup.ts reads the configFile's default export from (see `transform`). */
const CONFIG_BINDING = '__FETCH_RECORDINGS_CONFIG__'

export interface FetchRecordingsPlugin {
  name: string
  enforce: 'pre'
  config(config: { test?: { setupFiles?: string | string[]; sharedViteServer?: boolean } }): void
  configureVitest(context: VitestPluginContext): void
  transform(code: string, id: string): { code: string; map: null } | undefined
}

export function fetchRecordings(options: FetchRecordingsOptions = {}): FetchRecordingsPlugin {
  const checked = checkOptions(options)
  const setupFile = setupFilePath()
  // Vite names modules by their real path with forward slashes.
  const setupId = realpathSync(setupFile).split('\\').join('/')
  /** configFile per project root: one plugin object may serve several projects. */
  const configFiles = new Map<string, string>()
  return {
    name: 'vitest:fetch-recordings',
    enforce: 'pre',
    /**
     * The setup file goes in through the config, not only in configureVitest: Vitest decides
     * which files its module runner transforms (instead of leaving them to Node) from the
     * setup files it knows when the project is created, and this one must be transformed (see
     * `transform`) and evaluated again for every test file. First, so that requests made by the
     * user's own setup files are recorded, and our aroundEach wraps theirs.
     */
    config(config) {
      config.test ??= {}
      // Vitest 5 lets inline projects share the root's Vite server (`sharedViteServer`, on by
      // default): they are then resolved from the root's test options as they were before any
      // plugin's config hook, without this setup file, which is then left to Node (evaluated
      // once per worker, so with isolate: false the files after the first get no hooks, and no
      // configFile import). Each project resolved through Vite runs this hook. Vitest 4 has no
      // such option and ignores it.
      config.test.sharedViteServer = false
      const userFiles = config.test.setupFiles ?? []
      const files = Array.isArray(userFiles) ? userFiles : [userFiles]
      if (!files.includes(setupFile)) config.test.setupFiles = [setupFile, ...files]
    },
    configureVitest({ vitest, project }) {
      const rootDir = project.config.root
      const settings = workerSettings(checked, rootDir, project.config.snapshotOptions.updateSnapshot)
      if (settings.binding === 'beforeEach' && !settings.suiteModule) {
        throw new RecordingError(
          'INVALID_OPTION',
          'Vitest plugin: binding: "beforeEach" needs vitest/suite, which Vitest 5 removed. Leave binding unset (aroundEach).',
        )
      }
      // Resolved here only to agree with the workers and to fail early on a bad FETCH_RECORDINGS.
      const mode = resolveMode({
        env: process.env,
        argv: settings.modeFlags,
        option: settings.options.mode,
        updateOption: settings.options.updateRecordings,
        pruneOption: settings.options.pruneRecordings,
        runnerCi: settings.runnerCi,
      })
      if (settings.configFile) configFiles.set(rootDir, settings.configFile)
      // Normally there already (config hook); a project assembled without that hook still gets it.
      if (!project.config.setupFiles.includes(setupFile)) project.config.setupFiles.unshift(setupFile)
      ;(project.provide as (key: string, value: unknown) => void)(PROVIDE_KEY, settings)
      reporterFor(vitest, mode).adoptProject({
        rootDir,
        failOnStale: checked.failOnStale,
        reportFile: checked.reportFile,
      })
    },
    /**
     * Functions cannot be provided to workers, so the configFile is imported by the setup file
     * itself: a static import added here, which the module runner resolves like any test import
     * (TypeScript, aliases). A static import, because a dynamic one would need top-level await,
     * which the CommonJS build of the setup file cannot contain.
     */
    transform(code, id) {
      if (configFiles.size === 0 || id.split('?')[0] !== setupId) return undefined
      const configFile = configFileFor(configFiles, this as unknown as TransformContext)
      if (!configFile) return undefined
      return { code: `import ${CONFIG_BINDING} from ${JSON.stringify(configFile)};\n${code}`, map: null }
    },
  }
}

export default fetchRecordings

function workerSettings(checked: CheckedOptions, rootDir: string, updateSnapshot: string): WorkerSettings {
  const configFile = checked.configFile === undefined ? undefined : resolve(rootDir, checked.configFile)
  if (configFile && !existsSync(configFile)) {
    throw new RecordingError(
      'INVALID_OPTION',
      `Vitest plugin: configFile ${configFile} does not exist. Give a path relative to the project root (${rootDir}) or an absolute one.`,
    )
  }
  return {
    options: checked.inline,
    rootDir,
    // `-u` is `all`, the default `new`: neither says anything about recordings. `none` is CI.
    runnerCi: updateSnapshot === 'none',
    // Vitest rejects unknown flags but passes what follows `--` through to process.argv.
    modeFlags: modeFlagsOf(process.argv),
    configFile,
    binding: checked.binding,
    suiteModule: suiteModuleOf(rootDir),
  }
}

/** `vitest/suite` as the project resolves it (Vitest 4); undefined where it is gone (Vitest 5). */
function suiteModuleOf(rootDir: string): string | undefined {
  try {
    return pathToFileURL(createRequire(join(rootDir, 'package.json')).resolve('vitest/suite')).href
  } catch {
    return undefined
  }
}

interface TransformContext {
  environment?: { config?: { root?: string } }
}

function configFileFor(configFiles: Map<string, string>, context: TransformContext): string | undefined {
  const root = context.environment?.config?.root
  if (root && configFiles.has(root)) return configFiles.get(root)
  // Without an environment (older Vite), a single project is unambiguous.
  return configFiles.size === 1 ? configFiles.values().next().value : undefined
}

/**
 * The built setup file sits next to this module: dist/vitest.js and dist/vitest.cjs alike (tsup
 * puts every entry and chunk in dist/). Run from source (this repository), it is setup.ts.
 */
function setupFilePath(): string {
  const here = ownFile()
  const folder = dirname(here)
  for (const name of ['vitest-setup.js', 'setup.ts']) {
    const path = join(folder, name)
    if (existsSync(path)) return path
  }
  throw new RecordingError(
    'INVALID_OPTION',
    `Vitest plugin: the setup file is missing next to ${here} (vitest-setup.js). Reinstall fetch-recordings.`,
  )
}

/**
 * This module's own file. CommonJS has `__filename` (Vite's config bundler defines it too); the
 * ESM build cannot say `import.meta.url`, because the same source is also built to CommonJS,
 * where that is a syntax error. V8's call sites name the file that is really running (not a
 * source-mapped one, since they bypass the formatting that --enable-source-maps applies).
 */
function ownFile(): string {
  if (typeof __filename === 'string') return __filename
  const original = Error.prepareStackTrace
  let file: string | undefined
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites
    const callSites = new Error().stack as unknown as NodeJS.CallSite[]
    file = callSites[0]?.getFileName() ?? undefined
  } finally {
    Error.prepareStackTrace = original
  }
  if (!file) throw new RecordingError('INVALID_OPTION', 'Vitest plugin: cannot locate its own module file.')
  return file.startsWith('file:') ? fileURLToPath(file) : file
}
