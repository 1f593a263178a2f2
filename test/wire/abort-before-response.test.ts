/**
 * A request its client aborts before the response headers arrive: stored without a response,
 * `aborted_by` saying how (`client-abort`, or `client-timeout` for a TimeoutError); replay holds
 * it open until this run's client aborts it too, so the test sees its own abort again, through
 * fetch and node:http (axios' signal and timeout). A client that never aborts fails with
 * RECORDING_ABORT_EXPECTED when its test ends (after settleTimeout): never a hang.
 */
import { EventEmitter } from 'node:events'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readRecording, recordingErrorOf, session, tempDir } from '../support/core-helpers.js'

let server: Server
let base: string
/** Emits 'request' when a request reaches the server: the client aborts after that, not on a sleep. */
const arrivals = new EventEmitter()
const open = new Set<ServerResponse>()

beforeAll(async () => {
  // `/slow?ms=`: the headers come after that long (never, for the tests here).
  server = createServer((req, res) => {
    open.add(res)
    res.on('close', () => open.delete(res))
    arrivals.emit('request', req.url)
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0)
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'), ms)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const res of open) res.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

/** Aborts when the server has the request (recording), or a moment after the call (replay: no server). */
function abortSoon(controller: AbortController, recording: boolean): void {
  if (recording) arrivals.once('request', () => controller.abort())
  else setTimeout(() => controller.abort(), 20)
}

async function errorName(call: Promise<unknown>): Promise<string> {
  try {
    await call
    return 'resolved'
  } catch (error) {
    return (error as Error).name
  }
}

describe('an abort before the response headers', () => {
  const url = () => `${base}/slow?ms=60000`

  it('fetch + AbortController: stored as aborted by the client; replay answers the abort with the same AbortError', async () => {
    const dir = tempDir()
    const call = (recording: boolean) => async () => {
      const controller = new AbortController()
      abortSoon(controller, recording)
      return errorName(fetch(url(), { signal: controller.signal }))
    }
    const recorded = await session(dir, 'new', call(true))
    expect(recorded.result).toBe('AbortError')
    const [interaction] = readRecording(recorded.path).interactions
    expect(interaction).toMatchObject({ request: { method: 'GET', url: url() }, aborted_by: 'client-abort' })
    expect(interaction).not.toHaveProperty('response')

    const replayed = await session(dir, 'replay', call(false))
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toBe('AbortError')
    expect(replayed.outcome.replayed).toBe(1)
  })

  it('AbortSignal.timeout: stored as client-timeout; replay gives the TimeoutError of its own deadline', async () => {
    const dir = tempDir()
    const call = () => errorName(fetch(url(), { signal: AbortSignal.timeout(300) }))
    const recorded = await session(dir, 'new', call)
    expect(recorded.result).toBe('TimeoutError')
    expect(readRecording(recorded.path).interactions[0]).toMatchObject({ aborted_by: 'client-timeout' })
    const replayed = await session(dir, 'replay', call)
    expect(replayed.error).toBeUndefined()
    expect(replayed.result).toBe('TimeoutError')
  })

  it('a replay whose client never aborts fails at its test end with RECORDING_ABORT_EXPECTED, the request with it', async () => {
    const dir = tempDir()
    const controller = new AbortController()
    await session(dir, 'new', async () => {
      abortSoon(controller, true)
      return errorName(fetch(url(), { signal: controller.signal }))
    })
    let pending: Promise<unknown> | undefined
    const replayed = await session(
      dir,
      'replay',
      async () => {
        // Left running: the test ends at once, its end waits settleTimeout for the abort.
        pending = fetch(url()).catch((error: unknown) => error)
      },
      { settleTimeout: 200 },
    )
    const error = replayed.error
    expect(error?.code).toBe('RECORDING_ABORT_EXPECTED')
    expect(error?.message).toContain(`GET ${url()}`)
    expect(error?.message).toContain(replayed.path)
    expect(error?.message).toContain("this run's client never aborted it")
    expect(error?.message).toContain('until 200 ms after the test ended')
    // The request itself was failed with the same error: nothing is left hanging.
    expect(recordingErrorOf(await pending)).toBe(error)
  })

  for (const [how, options] of [
    ['an AbortController signal', (controller: AbortController) => ({ signal: controller.signal })],
    ['its timeout option', () => ({ timeout: 300 })],
  ] as const) {
    it(`axios (node:http), aborted by ${how}: recorded, and replayed as the same abort`, async () => {
      const dir = tempDir()
      const call = (recording: boolean) => async () => {
        const controller = new AbortController()
        if (how.includes('signal')) abortSoon(controller, recording)
        try {
          await axios.get(url(), options(controller))
          return 'resolved'
        } catch (error) {
          return (error as { code?: string }).code
        }
      }
      const recorded = await session(dir, 'new', call(true))
      const code = recorded.result
      expect(code).toMatch(/ERR_CANCELED|ECONNABORTED/)
      expect(readRecording(recorded.path).interactions[0]).toMatchObject({ aborted_by: 'client-abort' })
      const replayed = await session(dir, 'replay', call(false))
      expect(replayed.error).toBeUndefined()
      expect(replayed.result).toBe(code)
    })
  }
})
