import { mkdtempSync, rmSync } from 'node:fs'
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
 * A client that opens its own TCP connections (as a database driver does), which no transport
 * sees. (node:http on its own `createConnection` is refused before it connects: bypass-note.test.ts.)
 */
function connect(host: string, port: number): Promise<{ connected?: true; error?: any }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host)
    socket.on('connect', () => {
      socket.destroy()
      resolve({ connected: true })
    })
    socket.on('error', (error) => resolve({ error }))
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
      Promise.all([connect('192.0.2.1', 81), connect('127.0.0.1', api.port)]),
    )
    expect(outside.error?.code).toBe('NETWORK_BLOCKED')
    expect(outside.error?.message).toContain('192.0.2.1:81')
    expect(loopback.connected).toBe(true)
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
