/**
 * The setup file the plugin adds to every project. Vitest's module runner transforms it (the
 * plugin's `transform` adds the configFile import) and evaluates it again for every test file;
 * what it does lives in test-file-setup.ts. It keeps to one import: each import of a file the
 * runner evaluates is a round trip to the main process, paid per test file, while what it
 * imports is loaded by Node itself, once per worker (docs/performance.md, "Per-file setup cost").
 */
import { setUpTestFile } from './test-file-setup.js'

// The configFile's default export: the plugin's transform hook adds `import … from configFile`
// to this module (index.ts); without a configFile the name stays undeclared.
declare const __FETCH_RECORDINGS_CONFIG__: unknown

setUpTestFile(
  typeof __FETCH_RECORDINGS_CONFIG__ === 'undefined'
    ? { loaded: false, value: undefined }
    : { loaded: true, value: __FETCH_RECORDINGS_CONFIG__ },
)
