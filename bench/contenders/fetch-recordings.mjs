/**
 * fetch-recordings, imported from the built package (../../dist/index.js). Fixtures are
 * recorded in `update` mode against the loopback server and replayed in `replay` mode.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT_DIR } from '../lib/fixtures.mjs'

const version = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')).version
export const label = `fetch-recordings ${version} (replay; update mode in W4)`
export const phases = ['replay', 'record']

export async function open({ phase, dir, workload }) {
  // The runner hands workers a private copy of dist/ (see run.mjs); alone, use the repo's.
  const entry = process.env.FETCH_RECORDINGS_BENCH_DIST
    ? pathToFileURL(process.env.FETCH_RECORDINGS_BENCH_DIST).href
    : new URL('../../dist/index.js', import.meta.url).href
  const { createRecorder } = await import(entry)
  const repeated = workload === 'w1' || workload === 'w2'
  const recorder = createRecorder({
    // FETCH_RECORDINGS_BENCH_MODE=live: the same dispatcher and upstream storing nothing, to
    // tell the forward path's cost from the recording's (docs/performance.md, "W4, second pass").
    mode: process.env.FETCH_RECORDINGS_BENCH_MODE ?? (phase === 'record' ? 'update' : 'replay'),
    // w1/w2 replay one recorded answer many times.
    allowRepeats: repeated,
    // The bench bodies carry fixed ids already; keep the bytes exactly as served.
    normalizeIds: false,
  })
  recorder.install()
  // Recordings land in <dir>/__recordings__/<workload>.test.ts/<slug>.json
  const testFile = join(dir, `${workload.replace(/-.*/, '')}.test.ts`)
  return {
    async runTest(test, fn) {
      const t = recorder.startTest({ testFile, testName: `bench > ${test.id}` })
      let status = 'passed'
      try {
        await t.run(fn)
      } catch (error) {
        status = 'failed'
        throw error
      } finally {
        await t.finish({ status })
      }
    },
    close: () => recorder.dispose(),
  }
}
