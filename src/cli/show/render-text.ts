/** The terminal rendering of a recording file: colour on a terminal, plain when piped. */
import pc from 'picocolors'
import type { Block, InteractionView, Tone } from './view.js'

type Colors = ReturnType<typeof pc.createColors>

export interface FileView {
  path: string
  testId: string
  interactions: InteractionView[]
}

const LABEL_WIDTH = 12

export function renderText(files: readonly FileView[], color: boolean): string {
  const c = pc.createColors(color)
  return files.map((file) => renderFile(file, c)).join('\n\n')
}

function renderFile(file: FileView, c: Colors): string {
  const count = file.interactions.length
  const lines = [
    c.bold(file.path),
    c.dim(`test: ${file.testId} · ${count} interaction${count === 1 ? '' : 's'}`),
  ]
  file.interactions.forEach((view, index) => {
    lines.push('', headline(view, index, c))
    lines.push(`  ${c.dim('request')}`, ...blockLines(view.request, c))
    lines.push(`  ${c.dim('response')}`, ...blockLines(view.response, c))
  })
  return lines.join('\n')
}

function headline(view: InteractionView, index: number, c: Colors): string {
  const status = view.status >= 400 ? c.red(String(view.status)) : c.green(String(view.status))
  const parts = [
    c.bold(view.title),
    view.kind,
    ...(view.model ? [c.cyan(view.model)] : []),
    status,
    ...view.facts,
  ]
  return `${c.dim(`#${index + 1}`)} ${parts.join(c.dim(' · '))}`
}

function blockLines(blocks: readonly Block[], c: Colors): string[] {
  const lines: string[] = []
  for (const item of blocks) {
    const [first = '', ...rest] = item.text.split('\n')
    const label = item.label.length >= LABEL_WIDTH ? `${item.label} ` : item.label.padEnd(LABEL_WIDTH)
    lines.push(`    ${paint(label, item.tone, c)}${first}`)
    const indent = ' '.repeat(4 + Math.max(LABEL_WIDTH, label.length))
    for (const line of rest) lines.push(line ? `${indent}${line}` : '')
  }
  return lines
}

function paint(text: string, tone: Tone, c: Colors): string {
  switch (tone) {
    case 'system':
      return c.magenta(text)
    case 'user':
      return c.blue(text)
    case 'assistant':
      return c.green(text)
    case 'tool':
      return c.yellow(text)
    case 'error':
      return c.red(text)
    default:
      return c.dim(text)
  }
}
