import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RecordingError } from './errors.js'

/**
 * A file the build ships in dist/ next to every entry and chunk (tsup writes them all there),
 * such as a preload a worker thread is started with. Run from source (this repository's own
 * tests), this module is src/module-file.ts and the built file is in ../dist.
 */
export function builtFile(name: string): string {
  const folder = dirname(ownModuleFile())
  for (const path of [join(folder, name), join(folder, '..', 'dist', name)]) {
    if (existsSync(path)) return path
  }
  throw new RecordingError(
    'INVALID_OPTION',
    `${name} is missing next to ${folder}. Reinstall fetch-recordings.`,
  )
}

/**
 * This module's own file. CommonJS has `__filename`; the ESM build cannot say `import.meta.url`,
 * because the same source is also built to CommonJS, where that is a syntax error. V8's call
 * sites name the file that is really running (vitest-plugin/index.ts does the same for itself).
 */
function ownModuleFile(): string {
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
  if (!file)
    throw new RecordingError(
      'INVALID_OPTION',
      'cannot locate its own module file. Reinstall fetch-recordings.',
    )
  return file.startsWith('file:') ? fileURLToPath(file) : file
}
