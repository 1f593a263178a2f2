#!/usr/bin/env node
/** The `fetch-recordings` command. One subcommand today: `verify [paths...]`. */
import { runVerify } from './verify.js'

const [command, ...rest] = process.argv.slice(2)
const usage =
  'Usage: fetch-recordings verify [paths...]\n  Checks every recording file under the paths (default: the current folder).'

if (command === 'verify') {
  process.exitCode = runVerify(rest, (line) => console.log(line))
} else {
  console.error(command ? `Unknown command "${command}".\n${usage}` : usage)
  process.exitCode = 2
}
