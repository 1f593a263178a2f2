/**
 * Where a test's recording lives:
 *   <test dir>/__recordings__/<test file name>/<slug>.<hash>.json
 * The slug keeps the name readable; the hash (of the exact name) keeps names that slug alike
 * apart, also on case-insensitive file systems. Every path stays inside the folder whatever
 * the name holds (`/`, `..`, NUL, emoji, reserved Windows names, 10 KB of text).
 */
import { createHash } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import type { TestIdentity } from '../config/options.js'

export const RECORDINGS_DIR = '__recordings__'
/** The recording of requests made outside any test (module scope, beforeAll). */
export const FILE_LEVEL_NAME = '__file__'
const MAX_SLUG_LENGTH = 80
// Windows reserves these device names also when an extension follows (`aux.txt`).
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i

export function recordingsFolderOf(testFile: string): string {
  return join(dirname(testFile), RECORDINGS_DIR, basename(testFile))
}

export function defaultRecordingPath(test: TestIdentity): string {
  const folder = recordingsFolderOf(test.testFile)
  if (test.testName === '') return join(folder, `${FILE_LEVEL_NAME}.json`)
  return join(folder, `${slugOf(test.testName)}.${hashOf(test.testName)}.json`)
}

export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\s+>\s+/g, '--')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/[-.]+$/g, '')
  if (slug === '') return 'test'
  return WINDOWS_RESERVED.test(slug) ? `_${slug}` : slug
}

function hashOf(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 10)
}

/** The test id stored in a file: `<test file relative to root> > <test name>`. */
export function testIdOf(test: TestIdentity, rootDir: string): string {
  const relative = test.testFile.startsWith(rootDir) ? test.testFile.slice(rootDir.length + 1) : test.testFile
  const file = relative.split('\\').join('/')
  return test.testName === '' ? file : `${file} > ${test.testName}`
}
