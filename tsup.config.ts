import { defineConfig, type Options } from 'tsup'

// One build, two module formats: Vitest configs and setup files load ESM, Jest loads
// environments and reporters with require(). Runner packages stay external (peers).
const shared = {
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  // No clean: end-to-end suites read dist/ while a rebuild may be running; files a build no
  // longer writes are pruned afterwards (scripts/prune-dist.mjs).
  clean: false,
  sourcemap: true,
  // Inlined: every test file's process loads the core, and resolving these two (and wrapping
  // a CommonJS module for import) cost more than their code (docs/performance.md). Their
  // licenses ship in THIRD_PARTY_LICENSES.md.
  noExternal: ['safe-stable-stringify', 'picocolors'],
  external: [
    'vitest',
    'jest',
    'jest-environment-node',
    '@playwright/test',
    /^@playwright\//,
    /^@jest\//,
    /^@vitest\//,
    /^@secretlint\//,
  ],
} satisfies Options

/**
 * The plugin's setup file imports the built vitest-worker entry and nothing else: esbuild's code
 * splitting would give it an import of every chunk that entry needs, and each import of the
 * file Vitest's runner evaluates costs a round trip to the main process per test file (setup.ts).
 */
const workerEntryExternal: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'vitest-worker-external',
  setup(build) {
    const extension = build.initialOptions.format === 'cjs' ? 'cjs' : 'js'
    build.onResolve({ filter: /^\.\/test-file-setup\.js$/ }, () => ({
      path: `./vitest-worker.${extension}`,
      external: true,
    }))
  },
}

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      cli: 'src/cli/cli.ts',
      vitest: 'vitest-plugin/index.ts',
      'vitest-reporter': 'vitest-plugin/reporter.ts',
      'jest-env': 'jest-env/environment.ts',
      'jest-reporter': 'jest-env/reporter.ts',
      server: 'src/server/preload.ts',
      playwright: 'playwright/index.ts',
      'playwright-reporter': 'playwright/reporter.ts',
    },
    dts: true,
    splitting: true,
  },
  {
    // Not in `exports`: the setup file (below) imports it by path. One file, no shared chunks:
    // Node loads it in every test file's process, and each ES module of a graph costs its own
    // resolution, read, compile and link (~4 ms a process for the 6 modules a split build gave
    // it; docs/performance.md). Its copy of the core is its own; errors are told by name and
    // code across copies (src/errors.ts), as under Jest, whose registry loads a copy per file.
    ...shared,
    entry: { 'vitest-worker': 'vitest-plugin/test-file-setup.ts' },
    dts: false,
    splitting: false,
  },
  {
    // Not in `exports`: worker threads started during a replaying run load it by path with
    // --require (src/transports/workers/worker-guard.ts), so it is CommonJS and one file.
    ...shared,
    format: ['cjs'],
    entry: { 'worker-preload': 'src/transports/workers/worker-preload.ts' },
    dts: false,
    splitting: false,
  },
  {
    ...shared,
    entry: { 'vitest-setup': 'vitest-plugin/setup.ts' },
    dts: false,
    splitting: false,
    esbuildPlugins: [workerEntryExternal],
  },
])
