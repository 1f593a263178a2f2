/**
 * `fetch-recordings show <file | folder | test file> [--html out.html]`: what recordings hold,
 * read as conversations (providers/), in the terminal or as one self-contained HTML page.
 */
import { relative, resolve } from 'node:path'
import { RecordingError } from '../../errors.js'
import { readTextIfExists, writeTextAtomic } from '../../files/storage.js'
import { parseRecordingText } from '../../format/file-text.js'
import type { CliIo } from '../io.js'
import { recordingFilesOf } from './inputs.js'
import { interpret } from './interpret.js'
import { type HtmlFile, renderHtml } from './render-html.js'
import { renderText } from './render-text.js'

export const SHOW_HELP = `Usage: fetch-recordings show <file | folder | test file>... [--html <out.html>]

Shows what recordings hold, read as what they mean: per interaction the method, endpoint,
model and status; the request's conversation (system, user, assistant and tool messages, tool
definitions by name, tool calls with their arguments, tool results); the answer, with a
streamed answer assembled from its events, tool calls from their deltas, the finish reason and
the token usage. Knows OpenAI Chat Completions and Responses, Anthropic Messages, Gemini,
Ollama and the AI SDK's UI stream; anything else gets a compact request/response view.

Arguments:
  a recording file (.json), a folder (searched for __recordings__), or a test file
  (its __recordings__/<name>/ folder)

Options:
  --html <out.html>  write one self-contained page (no network needed) instead
  -h, --help         this text

Colour on a terminal, plain when piped. See docs/cli.md.`

export function runShow(args: readonly string[], io: CliIo): number {
  const { paths, html } = parseArgs(args)
  const files = paths.flatMap((path) => recordingFilesOf(resolve(io.cwd, path)))
  const views: HtmlFile[] = []
  let failures = 0
  for (const file of files) {
    const shown = relative(io.cwd, file) || file
    try {
      const recording = parseRecordingText(readTextIfExists(file) ?? '', file)
      views.push({
        path: shown,
        testId: recording.test_id,
        interactions: recording.interactions.map(interpret),
        raw: recording.interactions,
      })
    } catch (error) {
      failures++
      io.err(error instanceof RecordingError ? error.message : `${shown}: ${(error as Error).message}`)
    }
  }
  if (html) {
    const target = resolve(io.cwd, html)
    writeTextAtomic(target, renderHtml(views, `Recordings: ${paths.join(', ')}`))
    io.out(`Wrote ${relative(io.cwd, target) || target}: ${views.length} recording file(s).`)
  } else if (views.length > 0) {
    io.out(renderText(views, io.color))
  }
  return failures > 0 ? 1 : 0
}

function parseArgs(args: readonly string[]): { paths: string[]; html: string | undefined } {
  const paths: string[] = []
  let html: string | undefined
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string
    if (arg === '--html' || arg.startsWith('--html=')) {
      html = arg === '--html' ? args[++index] : arg.slice('--html='.length)
      if (!html)
        throw new RecordingError('INVALID_OPTION', `show: --html needs a file name (--html recordings.html).`)
    } else if (arg.startsWith('-')) {
      throw new RecordingError('INVALID_OPTION', `show: unknown option ${arg}.\n\n${SHOW_HELP}`)
    } else {
      paths.push(arg)
    }
  }
  if (paths.length === 0)
    throw new RecordingError(
      'INVALID_OPTION',
      `show: give a recording file, a folder or a test file.\n\n${SHOW_HELP}`,
    )
  return { paths, html }
}
