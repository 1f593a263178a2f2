/**
 * What is stored when the client lets go of a response before its end, and how it replays:
 *  - its own deadline fired mid-stream (`AbortSignal.timeout`): what arrived is stored, cut by
 *    `client-timeout`; replay serves it and holds the stream open until the client's deadline
 *    fires again, so the client sees its own TimeoutError after the same events;
 *  - it cancelled the body: the upstream is drained to its end within the drain limits; a body
 *    that does not end within them is stored cut by `drain-limit`, one whose connection fails
 *    after the client let go by `network-error`.
 * Reading past a cut fails with RECORDING_TRUNCATED, whose advice fits the cut.
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEADLINE_HOLD_MS } from '../../src/recording/response-store.js'
import { truncatedError } from '../../src/recording/truncated-error.js'
import { installGlobalDispatcher } from '../../src/transports/install.js'
import { type ClientSink, type FlowController, sinkOf } from '../../src/wire/handler-api.js'
import { type CapturedResponse, forwardAndCapture } from '../../src/wire/record.js'
import { replayResponse } from '../../src/wire/replay.js'
import { readRecording, recordingErrorOf, session, tempDir } from '../support/core-helpers.js'

const event = (n: number, pad = 0) => `data: {"n":${n},"pad":"${'x'.repeat(pad)}"}\n\n`

let server: Server
let base: string
const open = new Set<ServerResponse>()

/** `/stall`: 3 events, then nothing, ever. `/endless`: 16 KB events as fast as the socket takes them. `/reset`: 2 events, then a reset. */
function route(path: string, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  open.add(res)
  res.on('close', () => open.delete(res))
  if (path === '/stall') {
    res.write(event(1) + event(2) + event(3))
  } else if (path === '/endless') {
    let n = 0
    const pump = () => {
      while (!res.destroyed && res.write(event(n++, 16_000)));
      if (!res.destroyed) res.once('drain', pump)
    }
    pump()
  } else if (path === '/reset') {
    res.write(event(1) + event(2))
    setTimeout(() => res.socket?.destroy(), 50)
  }
}

beforeAll(async () => {
  server = createServer((req, res) => route(req.url ?? '/', res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const res of open) res.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

/**
 * Reads SSE events until the body ends or fails: how many, and the error's name. `once` is
 * called when `count` events are in.
 */
async function readEvents(
  response: Response,
  once?: { count: number; call: () => void },
): Promise<{ events: number; error?: string }> {
  const reader = response.body!.getReader()
  let text = ''
  let armed = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { events: text.split('\n\n').length - 1 }
      text += Buffer.from(value).toString()
      if (once && !armed && text.split('\n\n').length - 1 >= once.count) {
        armed = true
        once.call()
      }
    }
  } catch (error) {
    return { events: text.split('\n\n').length - 1, error: (error as Error).name }
  }
}

describe("a client's own deadline", () => {
  it('is stored as a cut, and replays as the same deadline after the same events', async () => {
    const dir = tempDir()
    // The deadline is the client's (a TimeoutError, as AbortSignal.timeout's), started once the
    // three events are in: on a busy machine the headers alone can take longer than any fixed one.
    const withDeadline = (ms: number) => async () => {
      const deadline = new AbortController()
      const timeOut = () => deadline.abort(new DOMException('The operation timed out.', 'TimeoutError'))
      const response = await fetch(`${base}/stall`, { signal: deadline.signal })
      return readEvents(response, { count: 3, call: () => setTimeout(timeOut, ms) })
    }
    const recorded = await session(dir, 'new', withDeadline(200))
    expect(recorded.result).toEqual({ events: 3, error: 'TimeoutError' })
    const { response } = readRecording(recorded.path).interactions[0]!
    expect(response).toMatchObject({ truncated: true, truncated_by: 'client-timeout' })
    expect(response.body).toHaveLength(3)

    // The stream is held open: the client's deadline fires, also a later one than recorded.
    for (const ms of [200, 400]) {
      const replayed = await session(dir, 'replay', withDeadline(ms))
      expect(replayed.error).toBeUndefined()
      expect(replayed.result).toEqual({ events: 3, error: 'TimeoutError' })
    }
  })

  it('a client that reads on past the hold gets RECORDING_TRUNCATED, without advice to re-record', async () => {
    const chunks = [event(1), event(2)].map((text) => Buffer.from(text))
    const error = truncatedError('/tmp/x.json', 'client-timeout')
    const restore = installGlobalDispatcher({
      dispatch(_options: unknown, handler: unknown) {
        const response = { status: 200, statusText: 'OK', headers: {}, chunks, endError: () => error }
        replayResponse(sinkOf(handler), { ...response, holdMs: 30 })
        return true
      },
    })
    try {
      const response = await fetch(`${base}/held`)
      expect(await readEvents(response)).toEqual({ events: 2, error: 'TypeError' })
    } finally {
      restore()
    }
    expect(error.code).toBe('RECORDING_TRUNCATED')
    expect(error.message).toContain(`held the stream open ${DEADLINE_HOLD_MS / 1000} s`)
    expect(error.message).toContain('AbortSignal.timeout')
    expect(error.message).not.toContain('UPDATE_RECORDINGS')
  })
})

/** A sink that stops reading after its first chunk, as reader.cancel() does. */
function cancellingSink(): ClientSink & { calls: string[] } {
  let controller: FlowController
  const calls: string[] = []
  return {
    calls,
    start: (flow) => {
      controller = flow
    },
    headers: () => true,
    data() {
      calls.push('data')
      if (calls.length === 1) controller.abort(new DOMException('The operation was aborted.', 'AbortError'))
      return true
    },
    end: () => calls.push('end'),
    error: (error) => calls.push(`error ${(error as Error).name}`),
  }
}

describe('a body its client cancelled is drained within limits', () => {
  const agent = new Agent()
  afterAll(() => agent.destroy())
  const capture = (path: string, limits: { bytes: number; ms: number }) => {
    const sink = cancellingSink()
    const options = { origin: base, path, method: 'GET', headers: {} }
    return forwardAndCapture(agent as never, options, sink, { limits }).then((captured) => ({
      captured: captured as CapturedResponse | undefined,
      sink,
    }))
  }

  it('a body that does not end in time is cut by drain-limit; the client ended at once', async () => {
    const { captured, sink } = await capture('/stall', { bytes: 1 << 20, ms: 100 })
    expect(captured).toMatchObject({ complete: false, cutBy: 'drain-limit' })
    expect(Buffer.concat(captured!.chunks).toString()).toBe(event(1) + event(2) + event(3))
    expect(sink.calls).toEqual(['data', 'error AbortError'])
  })

  it('a body larger than the byte limit is cut by drain-limit', async () => {
    const { captured } = await capture('/endless', { bytes: 256 * 1024, ms: 60_000 })
    expect(captured).toMatchObject({ complete: false, cutBy: 'drain-limit' })
    expect(Buffer.concat(captured!.chunks).length).toBeGreaterThan(256 * 1024)
  })

  it('a connection that fails after the client let go keeps what arrived, cut by network-error', async () => {
    const { captured, sink } = await capture('/reset', { bytes: 1 << 20, ms: 60_000 })
    expect(captured).toMatchObject({ complete: false, cutBy: 'network-error' })
    expect(sink.calls).toEqual(['data', 'error AbortError'])
  })

  it('through fetch with the default limits: stored cut, replay past the cut fails with advice that fits', async () => {
    const dir = tempDir()
    const readOneThenCancel = async () => {
      const reader = (await fetch(`${base}/endless`)).body!.getReader()
      await reader.read()
      await reader.cancel()
    }
    const recorded = await session(dir, 'new', readOneThenCancel)
    expect(recorded.thrown).toBeUndefined()
    const { response } = readRecording(recorded.path).interactions[0]!
    expect(response).toMatchObject({ truncated: true, truncated_by: 'drain-limit' })
    // Stopping where it stopped replays; reading on does not.
    expect((await session(dir, 'replay', readOneThenCancel)).error).toBeUndefined()
    const readAll = await session(dir, 'replay', async () => (await fetch(`${base}/endless`)).text())
    const error = recordingErrorOf(readAll.thrown)
    expect(error?.code).toBe('RECORDING_TRUNCATED')
    expect(error?.message).toContain('drain limits (8 MiB, 5 s)')
    expect(error?.message).not.toContain('UPDATE_RECORDINGS')
  })
})
