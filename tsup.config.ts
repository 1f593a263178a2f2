import { defineConfig } from 'tsup'

// One build, two module formats: Vitest configs and setup files load ESM, Jest loads
// environments and reporters with require(). Runner packages stay external (peers).
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli/cli.ts',
    vitest: 'vitest-plugin/index.ts',
    'vitest-setup': 'vitest-plugin/setup.ts',
    'vitest-reporter': 'vitest-plugin/reporter.ts',
    'jest-env': 'jest-env/environment.ts',
    'jest-reporter': 'jest-env/reporter.ts',
    server: 'src/server/preload.ts',
    playwright: 'playwright/index.ts',
    'playwright-reporter': 'playwright/reporter.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  // No clean: end-to-end suites read dist/ while a rebuild may be running.
  clean: false,
  splitting: true,
  sourcemap: true,
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
})
