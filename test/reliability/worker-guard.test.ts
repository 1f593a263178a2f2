/**
 * The worker guard's edges, in a Node process of their own started with a flag workers refuse
 * (`--max-old-space-size`): a worker still starts (without it, as when inheriting), a worker
 * started by a worker is guarded too, and the guard leaves with dispose. 192.0.2.1 (TEST-NET-1)
 * is refused before any packet; after dispose the worker only reports that its guard is gone.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from 'vitest'

const DIST = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'index.js')).href

const SCRIPT = `
import { Recorder } from ${JSON.stringify(DIST)}
import { Worker } from 'node:worker_threads'
const nested = "const { Worker, parentPort } = require('node:worker_threads');" +
  "const inner = new Worker(\\"fetch('http://192.0.2.1/inner').catch((e) => require('node:worker_threads').parentPort.postMessage(e.code))\\", { eval: true });" +
  "inner.once('message', (m) => { parentPort.postMessage([process.execArgv.some((a) => a.includes('max-old')), m]); inner.terminate() })"
const once = (worker) => new Promise((resolve) => worker.once('message', (m) => { worker.terminate(); resolve(m) }))
const recorder = new Recorder({ mode: 'replay' }).install()
const guarded = await once(new Worker(nested, { eval: true }))
await recorder.dispose()
const after = await once(new Worker("require('node:worker_threads').parentPort.postMessage(process.execArgv.join(' '))", { eval: true }))
console.log(JSON.stringify({ guarded, after }))
`

test('a worker refuses flags, a nested worker is guarded, dispose removes the guard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fr-worker-guard-'))
  const script = join(dir, 'guard.mjs')
  writeFileSync(script, SCRIPT)
  const child = spawnSync(process.execPath, ['--max-old-space-size=300', script], {
    encoding: 'utf8',
    env: { ...process.env, CI: '' },
    timeout: 60_000,
  })
  rmSync(dir, { recursive: true, force: true })
  expect(child.status, child.stderr).toBe(0)
  expect(JSON.parse(child.stdout)).toEqual({
    guarded: [false, 'WORKER_REQUEST_REFUSED'],
    after: '--max-old-space-size=300',
  })
})
