import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRecorder, type Recorder } from '../../src/index.js'
import { startFakeApi } from '../support/fake-apis.js'

let dir: string
let recorder: Recorder | undefined
afterEach(async () => {
  await recorder?.dispose()
  recorder = undefined
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A client that opens its own TCP connections (as a database driver does): node:http with
 * `createConnection`, which no Agent (and so not the node:http transport) sees.
 */
function get(url: string): Promise<{ status?: number; error?: any }> {
  return new Promise((resolve) => {
    http
      .get(url, { createConnection: net.createConnection } as unknown as http.RequestOptions, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode }))
      })
      .on('error', (error) => resolve({ error }))
  })
}

describe('blockNetwork', () => {
  it('refuses non-loopback connections of other clients in replay mode, and fails the test', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fr-block-'))
    const api = await startFakeApi()
    recorder = createRecorder({ mode: 'replay', rootDir: dir, blockNetwork: true }).install()
    const guardedConnect = net.Socket.prototype.connect
    const run = recorder.startTest({ testFile: join(dir, 'a.test.ts'), testName: 'offline' })
    const [outside, loopback] = await run.run(() =>
      Promise.all([get('http://192.0.2.1:81/x'), get(`${api.url}/status/204`)]),
    )
    expect(outside.error?.code).toBe('NETWORK_BLOCKED')
    expect(outside.error?.message).toContain('192.0.2.1:81')
    expect(loopback.status).toBe(204)
    expect(recorder.blocked).toEqual([{ host: '192.0.2.1', port: 81 }])
    expect(run.error()?.code).toBe('NETWORK_BLOCKED')
    await recorder.dispose()
    recorder = undefined
    expect(net.Socket.prototype.connect).not.toBe(guardedConnect) // dispose removed the guard
    await api.close()
  })

  it('is not active outside replay mode', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fr-block-'))
    recorder = createRecorder({ mode: 'new', rootDir: dir, blockNetwork: true }).install()
    const errors: Error[] = []
    // Destroyed before it can connect: the guard would have failed it a tick later.
    const socket = net.connect(81, '192.0.2.1')
    socket.on('error', (error) => errors.push(error))
    socket.destroy()
    await new Promise((resolve) => setImmediate(resolve))
    expect(errors).toEqual([])
    expect(recorder.blocked).toEqual([])
  })
})
