/** The commands a summary ends with, per runner (the reporters and `fetch-recordings merge`). */
export interface FixCommands {
  updateCommand: string
  pruneCommand: string
}

const COMMANDS: Record<string, FixCommands> = {
  vitest: {
    updateCommand: 'UPDATE_RECORDINGS=1 npx vitest run',
    pruneCommand: 'npx vitest run -- --prune-recordings',
  },
  jest: { updateCommand: 'UPDATE_RECORDINGS=1 npx jest', pruneCommand: 'FETCH_RECORDINGS=prune npx jest' },
  playwright: {
    updateCommand: 'UPDATE_RECORDINGS=1 npx playwright test',
    pruneCommand: 'FETCH_RECORDINGS=prune npx playwright test',
  },
}

export function fixCommandsOf(runner: string): FixCommands {
  return COMMANDS[runner] ?? { updateCommand: 'UPDATE_RECORDINGS=1', pruneCommand: 'FETCH_RECORDINGS=prune' }
}
