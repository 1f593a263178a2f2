#!/usr/bin/env node
/** The `fetch-recordings` command: one module per subcommand, each with its own help. */
import { isRecordingError } from '../errors.js'
import type { CliIo } from './io.js'
import { MERGE_HELP, runMerge } from './merge.js'
import { runShow, SHOW_HELP } from './show/index.js'
import { runVerify } from './verify.js'

const VERIFY_HELP = `Usage: fetch-recordings verify [--json] [paths...]

Checks every recording file under the paths (default: the current folder; symlinked folders
are followed): each parses as format v1, and no string holds a credential (raw, JSON-unescaped,
base64-decoded, nested JSON; fetch-recordings' formats and secretlint's preset where it loads).
Prints file:line:column: rule: message. Exit 1 on a finding, 2 when no recording file is found.
  --json   the findings as JSON, for CI
See docs/verify.md.`

interface Command {
  summary: string
  help: string
  run: (args: readonly string[], io: CliIo) => number | Promise<number>
}

const COMMANDS: Record<string, Command> = {
  verify: {
    summary: 'check recording files: format v1, no credentials in any form',
    help: VERIFY_HELP,
    run: (args, io) => runVerify(args, io.out),
  },
  show: {
    summary: 'what recordings hold, read as conversations (--html for one page)',
    help: SHOW_HELP,
    run: runShow,
  },
  merge: {
    summary: 'the summary of a sharded run, from the shards\u2019 report files',
    help: MERGE_HELP,
    run: runMerge,
  },
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  )
  return `Usage: fetch-recordings <command> [options]

Commands:
${lines.join('\n')}

Run \`fetch-recordings <command> --help\` for a command's options. Docs: docs/cli.md.`
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined
    const command = topic ? COMMANDS[topic] : undefined
    io.out(command ? command.help : mainHelp())
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${mainHelp()}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    if (!isRecordingError(error)) throw error
    io.err(error.message)
    return 2
  }
}

const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
main(process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  cwd: process.cwd(),
  color: color || Boolean(process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0'),
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(`[fetch-recordings] ${(error as Error).stack ?? error}`)
    process.exitCode = 2
  },
)
