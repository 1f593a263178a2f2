/** undici MockAgent: responses held in memory, the floor for "serve from memory through fetch". */
import { MockAgent, setGlobalDispatcher } from 'undici'
import { route } from '../lib/data.mjs'
import { readGenericFixture, versionOf } from '../lib/fixtures.mjs'

export const label = `undici MockAgent (undici ${versionOf('undici')})`
export const phases = ['replay']

export async function open({ origin, workload, genericDir }) {
  const agent = new MockAgent()
  agent.disableNetConnect()
  setGlobalDispatcher(agent)
  const pool = agent.get(origin)
  if (workload === 'w1' || workload === 'w2') {
    const path = workload === 'w1' ? '/v1/w1/chat/completions' : '/v1/w2/chat/completions'
    const { headers, chunks } = route(path)
    pool.intercept({ path, method: 'POST' }).reply(200, chunks.join(''), { headers }).persist()
  }
  return {
    async runTest(test, fn) {
      if (workload.startsWith('w3') || workload.startsWith('first-')) {
        // Closest equivalent of a recording: read this test's fixture file, register its answers.
        for (const entry of readGenericFixture(genericDir, test.id)) {
          pool.intercept({ path: entry.path, method: entry.method }).reply(entry.status, entry.body, {
            headers: entry.headers,
          })
        }
      }
      await fn()
    },
    close: () => agent.close(),
  }
}
