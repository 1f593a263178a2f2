/**
 * A worker_threads Worker is not recorded (its own globalThis, dispatcher slots and modules):
 * in a run that only replays it must not reach the network. The fixture's workers resolve
 * `api.fakeai.test` and `local.fakeai.test` to 127.0.0.1 through their own `dns.lookup` (an
 * /etc/hosts line without editing it), so the guard sees non-loopback hosts while anything
 * that gets past it lands on a loopback server that counts hits, and nothing leaves the
 * machine. The same file runs in every Vitest pool; node:http2 sessions, named or dynamically
 * imported, are checked in every pool too (vm pools build their own builtin namespaces).
 */
import http from 'node:http'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { VitestFixture } from '../support/vitest-fixture.js'

const POOLS = ['forks', 'threads', 'vmThreads', 'vmForks'] as const

const CONFIG = `
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from 'fetch-recordings/vitest'
const project = (name) => ({ extends: true, test: { name, pool: name, include: [name + '/*.test.js'] } })
export default defineConfig({
  plugins: [fetchRecordings({ passthrough: ['http://local.fakeai.test:' + process.env.HITS_PORT] })],
  test: { maxWorkers: 2, testTimeout: 30000, projects: ${JSON.stringify(POOLS)}.map(project) },
})
`

/** Evaluated first in each worker: the two test names resolve to loopback. */
const FAKE_HOSTS = `
const dns = require('node:dns')
const lookup = dns.lookup
dns.lookup = (host, options, callback) => /fakeai\\.test$/.test(host)
  ? lookup('127.0.0.1', options, callback)
  : lookup(host, options, callback)
`

const EVAL_WORKER = `${FAKE_HOSTS}
const { parentPort, workerData } = require('node:worker_threads')
const http = require('node:http')
const outcome = (promise) => promise.then((text) => 'OK ' + text, (error) => 'ERR ' + (error.code || '') + ' ' + error.message)
const get = (url) => new Promise((resolve, reject) => http.get(url, (response) => { response.resume(); response.on('end', () => resolve(String(response.statusCode))) }).on('error', reject))
Promise.all([
  outcome(fetch(workerData.api + '/eval-fetch?key=sk-in-query').then((r) => r.text())),
  outcome(get(workerData.api + '/eval-http')),
  outcome(fetch(workerData.local + '/eval-passthrough').then((r) => r.text())),
]).then((results) => parentPort.postMessage(results))
`

const FILE_WORKER = `import { createRequire } from 'node:module'
import { parentPort, workerData } from 'node:worker_threads'
createRequire(import.meta.url)('./fake-hosts.cjs')
const result = await fetch(workerData.api + '/file-fetch').then((r) => 'OK ' + r.status, (e) => 'ERR ' + e.code + ' ' + e.message)
parentPort.postMessage({ result, argv: process.argv.slice(2), data: workerData.tag })
`

function poolTest(pool: string): string {
  return `
import { test } from 'vitest'
import fs from 'node:fs'
import dns from 'node:dns'
import { connect } from 'node:http2'
import { Worker } from 'node:worker_threads'
const port = process.env.HITS_PORT
const api = 'http://api.fakeai.test:' + port
const local = 'http://local.fakeai.test:' + port
const outcomes = {}
const once = (worker) => new Promise((resolve, reject) => {
  worker.once('message', (message) => { worker.terminate(); resolve(message) })
  worker.once('error', reject)
})
const session = (connectTo) => new Promise((resolve) => {
  try {
    const client = connectTo('http://api.fakeai.test:' + process.env.H2_PORT)
    client.on('error', (error) => resolve('ERR ' + (error.code || '') + ' ' + error.message))
    const request = client.request({ ':path': '/h2' })
    request.on('response', () => { client.close(); resolve('OK') })
    request.on('error', () => {})
    request.end()
  } catch (error) {
    resolve('ERR ' + (error.code || '') + ' ' + error.message)
  }
})

test('workers and http2 sessions', async () => {
  outcomes.eval = await once(new Worker(${JSON.stringify(EVAL_WORKER)}, { eval: true, workerData: { api, local } }))
  const file = new Worker(new URL('../file-worker.mjs', import.meta.url), { workerData: { api, tag: '${pool}' }, argv: ['--flag', 'x'] })
  outcomes.file = await once(file)
  // The test's own thread resolves the names as its workers do, for the http2 sessions.
  const lookup = dns.lookup
  dns.lookup = (host, options, callback) => lookup(/fakeai\\.test$/.test(host) ? '127.0.0.1' : host, options, callback)
  try {
    outcomes.h2Named = await session(connect)
    outcomes.h2Dynamic = await session((await import('node:http2')).connect)
  } finally {
    dns.lookup = lookup
  }
  fs.writeFileSync(new URL('../outcomes-${pool}.json', import.meta.url), JSON.stringify(outcomes))
})
`
}

const hits: string[] = []
let hitsServer: http.Server
let h2Server: http2.Http2Server
let fixture: VitestFixture
let port: number

beforeAll(async () => {
  hitsServer = http.createServer((request, response) => {
    hits.push(`${request.headers.host?.split(':')[0]} ${request.url}`)
    response.end('hit')
  })
  h2Server = http2.createServer((request, response) => {
    hits.push(`h2 ${request.url}`)
    response.end('hit')
  })
  await new Promise<void>((resolve) => hitsServer.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => h2Server.listen(0, '127.0.0.1', resolve))
  port = (hitsServer.address() as AddressInfo).port
  const files: Record<string, string> = {
    'vitest.config.js': CONFIG,
    'fake-hosts.cjs': FAKE_HOSTS,
    'file-worker.mjs': FILE_WORKER,
  }
  for (const pool of POOLS) files[`${pool}/worker.test.js`] = poolTest(pool)
  fixture = VitestFixture.create(files)
})

afterAll(async () => {
  fixture?.dispose()
  await new Promise((resolve) => hitsServer?.close(resolve))
  await new Promise((resolve) => h2Server?.close(resolve))
})

async function run(env: Record<string, string>) {
  hits.length = 0
  const h2Port = String((h2Server.address() as AddressInfo).port)
  const result = await fixture.run([], {
    env: { HITS_PORT: String(port), H2_PORT: h2Port, ...env },
    timeoutMs: 120_000,
  })
  const outcomes = Object.fromEntries(
    POOLS.map((pool) => [pool, JSON.parse(fixture.read(`outcomes-${pool}.json`))]),
  )
  return { result, outcomes }
}

describe('worker threads and http2 in every pool', () => {
  test('while recording, a worker is not guarded: its requests reach the (loopback) server', async () => {
    const { result, outcomes } = await run({})
    expect(result.code, result.output).toBe(0)
    for (const pool of POOLS) {
      expect(outcomes[pool].eval, pool).toEqual(['OK hit', 'OK 200', 'OK hit'])
      expect(outcomes[pool].file, pool).toEqual({ result: 'OK 200', argv: ['--flag', 'x'], data: pool })
    }
    expect(hits.filter((hit) => hit.startsWith('api.fakeai.test /eval-fetch'))).toHaveLength(POOLS.length)
  })

  test('in CI replay, a worker cannot reach a non-loopback host, unless it is passthrough', async () => {
    const { result, outcomes } = await run({ CI: 'true' })
    // A refused http2 session fails its test even when the client swallows the error.
    expect(result.code, result.output).toBe(1)
    expect(result.output).toContain(`Tests  ${POOLS.length} failed`)
    const refused = (request: string) =>
      `ERR WORKER_REQUEST_REFUSED [fetch-recordings] ${request} from a worker thread was refused: this run replays, and requests from worker threads are not recorded: make them from the test's thread, or mark the host passthrough (passthrough: ['http://api.fakeai.test:${port}']) if it is a local service.`
    for (const pool of POOLS) {
      const [evalFetch, evalHttp, evalPassthrough] = outcomes[pool].eval
      expect(evalFetch, pool).toBe(refused(`GET http://api.fakeai.test:${port}/eval-fetch`))
      expect(evalHttp, pool).toBe(refused(`A connection to api.fakeai.test:${port}`))
      expect(evalPassthrough, pool).toBe('OK hit')
      // A file worker keeps its workerData and argv under the guard.
      expect(outcomes[pool].file, pool).toEqual({
        result: refused(`GET http://api.fakeai.test:${port}/file-fetch`),
        argv: ['--flag', 'x'],
        data: pool,
      })
      expect(outcomes[pool].h2Named, pool).toMatch(/^ERR HTTP2_UNSUPPORTED /)
      expect(outcomes[pool].h2Dynamic, pool).toMatch(/^ERR HTTP2_UNSUPPORTED /)
    }
    expect(hits.sort()).toEqual(POOLS.map(() => 'local.fakeai.test /eval-passthrough'))
  })
})
