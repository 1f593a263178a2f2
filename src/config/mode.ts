import { RecordingError } from '../errors.js'
import { RECORDING_MODES, type RecordingMode } from './options.js'

export interface ModeInputs {
  env: NodeJS.ProcessEnv
  argv: readonly string[]
  /** The `mode` option of the plugin or environment. */
  option?: RecordingMode | undefined
  /** The update flag passed through runner options (Jest testEnvironmentOptions). */
  updateOption?: boolean | undefined
  /** The prune flag passed through runner options. */
  pruneOption?: boolean | undefined
  /** The runner is in CI / snapshot-update-`none` state. */
  runnerCi?: boolean | undefined
}

export const UPDATE_FLAG = '--update-recordings'
export const PRUNE_FLAG = '--prune-recordings'

/** The mode flags found on a command line, to hand on to workers that do not see it. */
export function modeFlagsOf(argv: readonly string[]): string[] {
  return [UPDATE_FLAG, PRUNE_FLAG].filter((flag) => argv.includes(flag))
}

/** Modes that never touch the network and never write during the run (prune deletes at its end). */
export function replaysOnly(mode: RecordingMode): boolean {
  return mode === 'replay' || mode === 'prune'
}

/**
 * How a mode is chosen, strongest first:
 *  1. `FETCH_RECORDINGS=<mode>` (an unknown value is an error, not a silent default);
 *  2. the update flag: `UPDATE_RECORDINGS=1`, `--update-recordings` after `--` in argv,
 *     or the `updateRecordings` option → `update`;
 *     the prune flag: `--prune-recordings` after `--`, or the `pruneRecordings` option → `prune`
 *     (both flags at once is an error: one re-records, the other never touches the network);
 *  3. the `mode` option;
 *  4. `replay` when `CI` is set or the runner is in CI / update-`none` state, else `new`.
 */
export function resolveMode(inputs: ModeInputs): RecordingMode {
  const fromEnv = inputs.env.FETCH_RECORDINGS?.trim()
  if (fromEnv) {
    if (!RECORDING_MODES.includes(fromEnv as RecordingMode)) {
      throw new RecordingError(
        'INVALID_OPTION',
        `FETCH_RECORDINGS="${fromEnv}" is not a mode. Use one of: ${RECORDING_MODES.join(', ')}.`,
      )
    }
    return fromEnv as RecordingMode
  }
  const update =
    isTruthy(inputs.env.UPDATE_RECORDINGS) ||
    inputs.argv.includes(UPDATE_FLAG) ||
    inputs.updateOption === true
  const prune = inputs.argv.includes(PRUNE_FLAG) || inputs.pruneOption === true
  if (update && prune) {
    throw new RecordingError(
      'INVALID_OPTION',
      'Both the update flag (UPDATE_RECORDINGS, --update-recordings, updateRecordings) and the prune flag (--prune-recordings, pruneRecordings) are set. Keep one: update re-records live, prune only deletes what is stale.',
    )
  }
  if (update) return 'update'
  if (prune) return 'prune'
  if (inputs.option) {
    if (!RECORDING_MODES.includes(inputs.option)) {
      throw new RecordingError(
        'INVALID_OPTION',
        `mode: "${inputs.option}" is not a mode. Use one of: ${RECORDING_MODES.join(', ')}.`,
      )
    }
    return inputs.option
  }
  if (isTruthy(inputs.env.CI) || inputs.runnerCi) return 'replay'
  return 'new'
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}
