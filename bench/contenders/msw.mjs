/** msw 2 setupServer: request handlers answering from memory (msw has no recorder). */
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { route } from '../lib/data.mjs'
import { readGenericFixture, versionOf } from '../lib/fixtures.mjs'

export const label = `msw ${versionOf('msw')} (setupServer)`
export const phases = ['replay']

/** SSE answers are sent as a stream of the same events (msw's documented way to mock SSE). */
function respond({ headers, chunks }) {
  if (chunks.length === 1) return () => new HttpResponse(chunks[0], { status: 200, headers })
  const encoded = chunks.map((c) => new TextEncoder().encode(c))
  return () =>
    new HttpResponse(
      new ReadableStream({
        start(controller) {
          for (const c of encoded) controller.enqueue(c)
          controller.close()
        },
      }),
      { status: 200, headers },
    )
}

export async function open({ origin, workload, genericDir }) {
  const handlers = []
  if (workload === 'w1' || workload === 'w2') {
    const path = workload === 'w1' ? '/v1/w1/chat/completions' : '/v1/w2/chat/completions'
    handlers.push(http.post(origin + path, respond(route(path))))
  }
  const server = setupServer(...handlers)
  server.listen({ onUnhandledRequest: 'error' })
  return {
    async runTest(test, fn) {
      if (workload.startsWith('w3')) {
        const fixture = readGenericFixture(genericDir, test.id)
        server.use(
          ...fixture.map((entry) =>
            http.post(origin + entry.path, respond({ headers: entry.headers, chunks: [entry.body] }), {
              once: true,
            }),
          ),
        )
      }
      await fn()
      if (workload.startsWith('w3')) server.resetHandlers()
    },
    close: async () => server.close(),
  }
}
