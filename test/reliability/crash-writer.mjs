// Records in a loop (update mode, growing responses) until it is killed. Used by crash.test.ts.
// Each round is one run of the test file, as a runner would do it: the file is opened and
// finished, so the same five test names are new again (a recorder refuses two tests of one
// file run with one name, DUPLICATE_TEST_NAME). It imports the build: node cannot load src/.
import { join } from 'node:path'
import { createRecorder } from '../../dist/index.js'

const [dir, url] = process.argv.slice(2)
const testFile = join(dir, 'crash.test.ts')
const recorder = createRecorder({ mode: 'update', rootDir: dir }).install()
for (let round = 0; ; round++) {
  recorder.startFile(testFile)
  for (let i = 0; i < 5; i++) {
    const run = recorder.startTest({ testFile, testName: `test ${i}` })
    await run.run(async () => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          n_events: 20 + ((round * 7 + i) % 40),
          stream: true,
          messages: [{ role: 'user', content: `r${round}` }],
        }),
      })
      await response.text()
    })
    run.finish({ status: 'passed' })
  }
  recorder.finishFile(testFile)
  process.stdout.write('.')
}
