import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, it } from 'vitest'

// README promises `npm run demo`: the example project replays its committed recordings offline.
it('the demo replays its committed recordings offline and prints the summary', () => {
  const result = spawnSync(process.execPath, [join(__dirname, '../../examples/run-demo.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FETCH_RECORDINGS: '' },
    timeout: 120_000,
  })
  const output = result.stdout + result.stderr
  expect(output).toMatch(/Tests\s+5 passed/)
  expect(output).toMatch(
    /Recordings\s+5 replayed \| 0 written \| 0 updated \| 0 stale \| 0 removed \(mode: replay\)/,
  )
  expect(result.status).toBe(0)
})
