/**
 * What the plugin's setup file (setup.ts) does for every test file, before the test file is
 * imported: one Recorder per worker (worker-state.ts), then hooks that bind each test attempt to
 * its recording (file-session.ts). Loaded by Node once per worker; setup.ts calls it per file.
 */

import type { RunnerTestFile } from 'vitest'
import * as vitest from 'vitest'
import type { RecordingsOptions } from '../src/config/options.js'
import { RecordingError } from '../src/errors.js'
import { createRecorder } from '../src/recording/recorder.js'
import { FileSession, type FunctionSlot } from './file-session.js'
import { deserializePatterns, PROVIDE_KEY, type WorkerSettings } from './settings.js'
import { workerState } from './worker-state.js'

/** The configFile's default export, as setup.ts found it in its own scope (see index.ts `transform`). */
export interface ConfigExport {
  loaded: boolean
  value: unknown
}

export function setUpTestFile(config: ConfigExport): void {
  const settings = readSettings()
  const options = recorderOptions(settings, configFileOptions(settings, config))
  const worker = workerState(JSON.stringify(settings), () => createRecorder(options).install())
  const session = new FileSession({
    worker,
    testFile: testFileOf(),
    file: currentFileTask(),
    customLayout: typeof options.resolveRecordingPath === 'function',
  })
  session.start()

  if (bindsWithAroundEach(settings)) {
    vitest.aroundEach((runTest, context) => session.aroundTest(runTest, context.task))
    vitest.aroundAll(async (runSuite) => {
      // Setup files and module scope have run, beforeAll hooks have not (recorder.ts).
      worker.recorder.noteEnvironment()
      await runSuite()
      await session.finish()
    })
  } else {
    // Loaded only here: Vitest 4.1 deprecates `vitest/suite` (with a warning on import), Vitest 5
    // removed it. Its path comes from the plugin (settings.ts, `suiteModule`).
    const loadSlot = async () => {
      if (!settings.suiteModule) {
        throw new RecordingError(
          'INVALID_OPTION',
          'binding: "beforeEach" needs vitest/suite, which Vitest 5 removed. Leave binding unset (aroundEach).',
        )
      }
      const { getFn, setFn } = await import(/* @vite-ignore */ settings.suiteModule)
      return { getFn, setFn } as unknown as FunctionSlot
    }
    // Registered before the test file's own hooks, so it runs first (recorder.ts noteEnvironment).
    vitest.beforeAll(() => worker.recorder.noteEnvironment())
    vitest.beforeEach((context) => session.beforeTest(context, loadSlot))
    vitest.afterAll(() => session.finish())
  }
}

/** The test file this evaluation of the setup file is for (Vitest evaluates it once per file). */
function testFileOf(): string {
  const testPath = vitest.expect.getState().testPath
  if (!testPath) {
    throw new RecordingError('INVALID_OPTION', 'The fetch-recordings setup file ran outside a test file.')
  }
  return testPath
}

/** The file's task, from the runner's collector; Vitest < 4.1 has no public way (found later). */
function currentFileTask(): RunnerTestFile | undefined {
  const runner = (vitest as { TestRunner?: { getCurrentSuite?: () => { file?: RunnerTestFile } } }).TestRunner
  return runner?.getCurrentSuite?.().file
}

function readSettings(): WorkerSettings {
  const settings = (vitest.inject as (key: string) => unknown)(PROVIDE_KEY) as WorkerSettings | undefined
  if (!settings) {
    throw new RecordingError(
      'INVALID_OPTION',
      'The fetch-recordings setup file ran without its plugin. Add the plugin instead of the setup file: plugins: [fetchRecordings()] in vitest.config.',
    )
  }
  return settings
}

function configFileOptions(settings: WorkerSettings, config: ConfigExport): RecordingsOptions {
  if (!settings.configFile) return {}
  if (!config.loaded) {
    throw new RecordingError(
      'INVALID_OPTION',
      `configFile ${settings.configFile} was not loaded: the plugin's transform did not see this setup file. Add fetchRecordings() to the plugins of this project's own config.`,
    )
  }
  const loaded = config.value
  if (typeof loaded !== 'object' || loaded === null) {
    throw new RecordingError(
      'INVALID_OPTION',
      `configFile ${settings.configFile} must have a default export with the options object (export default { normalizeRequest, ... }).`,
    )
  }
  return loaded as RecordingsOptions
}

/** The configFile's options, overridden by the inline ones, plus what only Vitest knows. */
function recorderOptions(settings: WorkerSettings, fromFile: RecordingsOptions) {
  const { passthrough, appServers, ...inline } = settings.options
  return {
    ...fromFile,
    ...inline,
    ...(passthrough ? { passthrough: deserializePatterns(passthrough) } : {}),
    ...(appServers ? { appServers: deserializePatterns(appServers) } : {}),
    rootDir: settings.rootDir,
    runnerCi: settings.runnerCi,
    // Workers do not see the main process's argv; the flags found there are passed on.
    argv: settings.modeFlags,
  }
}

function bindsWithAroundEach(settings: WorkerSettings): boolean {
  const available = typeof vitest.aroundEach === 'function' && typeof vitest.aroundAll === 'function'
  if (settings.binding === 'beforeEach') return false
  if (settings.binding === 'aroundEach' && !available) {
    throw new RecordingError(
      'INVALID_OPTION',
      'binding: "aroundEach" needs Vitest 4.1 or later. Upgrade Vitest, or leave binding unset.',
    )
  }
  return available
}
