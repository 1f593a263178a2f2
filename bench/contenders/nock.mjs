/** nock.back: fixtures recorded in `record` mode, replayed in `lockdown` mode. */
import nock from 'nock'
import { fileNameFor, versionOf } from '../lib/fixtures.mjs'

export const label = `nock ${versionOf('nock')} (nock.back lockdown; record in W4)`
export const phases = ['replay', 'record']

export async function open({ phase, dir, workload }) {
  const repeated = workload === 'w1' || workload === 'w2'
  nock.back.fixtures = dir
  nock.back.setMode(phase === 'record' ? 'record' : 'lockdown')
  // A recorded interceptor is used once; repeated workloads replay one recording many times.
  const options = repeated && phase === 'replay' ? { after: (scope) => scope.persist() } : {}
  return {
    async runTest(test, fn) {
      const { nockDone, context } = await nock.back(`${fileNameFor(test.id)}.json`, options)
      if (phase === 'replay' && !context.isLoaded) throw new Error(`nock fixture for ${test.id} missing`)
      try {
        await fn()
      } finally {
        nockDone()
      }
    },
    close: async () => {
      nock.restore()
      nock.cleanAll()
    },
  }
}
