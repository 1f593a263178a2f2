/**
 * What one attempt of a test (a retry is another) did so far: requests made, entries replayed,
 * the error answers among them, misses, connections no transport saw, and the ids it learned.
 */
import type { RecordingError } from '../errors.js'
import type { Interaction } from '../format/format.js'
import { IdMap, type IdRules } from '../ids/normalize-ids.js'

export interface Unrecorded {
  /** `METHOD url`, secrets removed. */
  request: string
  reason: string
}

export class Attempt {
  replayed = 0
  readonly bypassed: string[] = []
  readonly misses: RecordingError[] = []
  /** Error answers (status >= 400) replayed: a failure then says where they came from. */
  readonly replayedErrors: Interaction[] = []
  /** Requests that went out while recording and of which nothing could be stored, and why. */
  readonly unrecorded: Unrecorded[] = []
  /** Real ↔ normalized ids of this attempt (normalize-ids.ts). */
  readonly ids: IdMap | undefined
  private requests = 0

  constructor(idRules: IdRules | undefined, testId: string) {
    this.ids = idRules ? new IdMap(idRules, testId) : undefined
  }

  /** The position of the next request (normalized ids derive from it). */
  nextPosition(): number {
    return this.requests++
  }

  noteReplay(interaction: Interaction): void {
    this.replayed++
    if ((interaction.response?.status ?? 0) >= 400) this.replayedErrors.push(interaction)
    if (this.ids && interaction.id_normalization_mapping) this.ids.learn(interaction.id_normalization_mapping)
  }

  noteMiss(error: RecordingError): void {
    if (!this.misses.includes(error)) this.misses.push(error)
  }
}
