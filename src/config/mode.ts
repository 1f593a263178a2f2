import { RecordingError } from '../errors.js'
import { RECORDING_MODES, type RecordingMode } from './options.js'

export interface ModeInputs {
  env: NodeJS.ProcessEnv
  argv: readonly string[]
  /** The `mode` option of the plugin or environment. */
  option?: RecordingMode | undefined
  /** The update flag passed through runner options (Jest testEnvironmentOptions). */
  updateOption?: boolean | undefined
  /** The runner is in CI / snapshot-update-`none` state. */
  runnerCi?: boolean | undefined
}

export const UPDATE_FLAG = '--update-recordings'

/**
 * How a mode is chosen, strongest first:
 *  1. `FETCH_RECORDINGS=<mode>` (an unknown value is an error, not a silent default);
 *  2. the update flag: `UPDATE_RECORDINGS=1`, `--update-recordings` after `--` in argv,
 *     or the `updateRecordings` option → `update`;
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
  if (isTruthy(inputs.env.UPDATE_RECORDINGS) || inputs.argv.includes(UPDATE_FLAG) || inputs.updateOption) {
    return 'update'
  }
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
