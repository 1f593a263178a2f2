/** Paths and helpers shared by contenders. */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url))
export const ROOT_DIR = join(BENCH_DIR, '..')

const require = createRequire(join(BENCH_DIR, 'package.json'))

/** Version of a bench dependency, as installed. */
export function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version
  } catch {
    // Packages whose exports hide package.json: walk from the main entry.
    const main = require.resolve(pkg)
    const at = main.lastIndexOf(`/node_modules/${pkg}/`)
    return JSON.parse(readFileSync(`${main.slice(0, at)}/node_modules/${pkg}/package.json`, 'utf8')).version
  }
}

/** A w3-style test's hand-written fixture (for contenders that have no recorder). */
export function readGenericFixture(genericDir, testId) {
  return JSON.parse(readFileSync(join(genericDir, `${testId}.json`), 'utf8'))
}

/** Safe file name for a test id. */
export function fileNameFor(testId) {
  return testId.replace(/[^a-zA-Z0-9_-]+/g, '_')
}
