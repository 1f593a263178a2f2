/** undici SnapshotAgent (experimental, undici 7.13+): one snapshot file per agent = per test. */
import { join } from 'node:path'
import { SnapshotAgent, setGlobalDispatcher } from 'undici'
import { fileNameFor, versionOf } from '../lib/fixtures.mjs'

export const label = `undici SnapshotAgent (undici ${versionOf('undici')}, playback; record in W4)`
export const phases = ['replay', 'record']

export async function open({ phase, dir, workload }) {
  const repeated = workload === 'w1' || workload === 'w2'
  const mode = phase === 'record' ? 'record' : 'playback'
  const agentFor = async (testId) => {
    const agent = new SnapshotAgent({ mode, snapshotPath: join(dir, `${fileNameFor(testId)}.json`) })
    setGlobalDispatcher(agent)
    return agent
  }
  // w1/w2: one agent for the whole run, loaded before measuring (like a beforeAll).
  const shared = repeated && phase === 'replay' ? await agentFor(workload) : undefined
  if (shared) await shared.loadSnapshots()
  return {
    async runTest(test, fn) {
      if (shared) return fn()
      const agent = await agentFor(test.id)
      try {
        await fn()
      } finally {
        // close() saves the file (also in playback mode, see docs/performance.md).
        await agent.close()
      }
    },
    close: async () => {
      await shared?.close()
    },
  }
}
