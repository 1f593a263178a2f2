/** Polly.js: fetch adapter + fs persister; one Polly instance (one HAR recording) per test. */
import FetchAdapter from '@pollyjs/adapter-fetch'
import { Polly } from '@pollyjs/core'
import FSPersister from '@pollyjs/persister-fs'
import { fileNameFor, versionOf } from '../lib/fixtures.mjs'

export const label = `Polly.js ${versionOf('@pollyjs/core')} (adapter-fetch, persister-fs; replay, record in W4)`
export const phases = ['replay', 'record']

Polly.register(FetchAdapter)
Polly.register(FSPersister)

export async function open({ phase, dir, workload }) {
  const repeated = workload === 'w1' || workload === 'w2'
  const config = {
    adapters: ['fetch'],
    adapterOptions: { fetch: { context: globalThis } },
    persister: 'fs',
    persisterOptions: { fs: { recordingsDir: dir } },
    mode: phase === 'record' ? 'record' : 'replay',
    recordIfMissing: false,
    logLevel: 'silent',
    // Identical requests are told apart by order by default; a repeated workload replays one entry.
    matchRequestsBy: { order: !(repeated && phase === 'replay') },
  }
  let shared
  if (repeated && phase === 'replay') shared = new Polly(fileNameFor(workload), config)
  return {
    async runTest(test, fn) {
      if (shared) return fn()
      const polly = new Polly(fileNameFor(test.id), config)
      try {
        await fn()
      } finally {
        await polly.stop()
      }
    },
    close: async () => {
      await shared?.stop()
    },
  }
}
