/**
 * Under Jest, in band and in Jest's workers: a worker_threads Worker a test starts is not
 * recorded, and in CI replay it cannot reach a non-loopback host. As in the Vitest suite, the
 * worker resolves `api.fakeai.test` to 127.0.0.1 through its own `dns.lookup`, so whatever gets
 * past the guard lands on a loopback server that counts it, and nothing leaves the machine.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { JestProject } from '../support/jest-fixture.js'

const WORKER = `
const dns = require('node:dns')
const lookup = dns.lookup
dns.lookup = (host, options, callback) => lookup(/fakeai\\.test$/.test(host) ? '127.0.0.1' : host, options, callback)
const { parentPort, workerData } = require('node:worker_threads')
fetch(workerData + '/worker').then((r) => r.text()).then(
  (text) => parentPort.postMessage('OK ' + text),
  (error) => parentPort.postMessage('ERR ' + error.code + ' ' + error.message),
)
`

const testFile = (name: string) => `
const { writeFileSync } = require('node:fs')
const { Worker } = require('node:worker_threads')
test('${name} starts a worker', async () => {
  const worker = new Worker(${JSON.stringify(WORKER)}, { eval: true, workerData: process.env.API_ORIGIN })
  const outcome = await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  await worker.terminate()
  writeFileSync(__dirname + '/outcome-${name}.txt', outcome)
})
`

const hits: string[] = []
let server: http.Server
let project: JestProject
let origin: string

beforeAll(async () => {
  server = http.createServer((request, response) => {
    hits.push(String(request.url))
    response.end('hit')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://api.fakeai.test:${(server.address() as AddressInfo).port}`
  project = new JestProject({ files: { 'a.test.js': testFile('a'), 'b.test.js': testFile('b') } })
})

afterAll(async () => {
  project?.cleanup()
  await new Promise((resolve) => server?.close(resolve))
})

async function run(options: { workers: boolean; ci: boolean }): Promise<string[]> {
  hits.length = 0
  const env: Record<string, string> = { API_ORIGIN: origin, ...(options.ci ? { CI: 'true' } : {}) }
  const result = await project.run({ workers: options.workers, env })
  expect(result.exitCode, result.output).toBe(0)
  return ['a', 'b'].map((name) => project.read(`outcome-${name}.txt`))
}

test('while recording a worker goes live; in CI replay, in band or in workers, it is refused', async () => {
  expect(await run({ workers: false, ci: false })).toEqual(['OK hit', 'OK hit'])
  expect(hits).toHaveLength(2)
  const refused = `ERR WORKER_REQUEST_REFUSED [fetch-recordings] GET ${origin}/worker from a worker thread was refused: this run replays, and requests from worker threads are not recorded: make them from the test's thread, or mark the host passthrough (passthrough: ['${origin}']) if it is a local service.`
  for (const workers of [false, true]) {
    expect(await run({ workers, ci: true }), `workers: ${workers}`).toEqual([refused, refused])
    expect(hits, `workers: ${workers}`).toEqual([])
  }
})
