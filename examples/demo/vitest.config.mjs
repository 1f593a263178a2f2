import { fetchRecordings } from 'fetch-recordings/vitest'
import { defineConfig } from 'vitest/config'

// DEMO_RECORD=1 re-records the demo against a local stand-in for the APIs (see
// record-with-stand-in.config.ts); without it every run replays the committed recordings.
const recordOptions = process.env.DEMO_RECORD ? { configFile: './record-with-stand-in.config.ts' } : {}

export default defineConfig({
  plugins: [fetchRecordings(recordOptions)],
  test: { include: ['test/**/*.test.ts'] },
})
