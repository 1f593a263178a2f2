/**
 * The requests one attempt of a test is recording, in the order they started (the file keeps
 * that order whatever order their responses end in), and what waits on their progress: a test
 * that ends waits for those still in flight (in-flight.ts).
 */
import type { Interaction, StoredRequest } from '../format/format.js'

export interface Slot {
  key: string
  /** `METHOD url` (secrets removed), to name the request when it outlives its test. */
  label: string
  /** True while the client is not reading the body (backpressure): waiting for it is pointless. */
  waitingForClient?: () => boolean
  /** The response as far as it arrived, for a test that ends before its body does. */
  partial?: () => Interaction | undefined
  /** Credential values removed from the request before it was keyed. */
  redacted: readonly string[]
  interaction?: Interaction
  settled: boolean
}

export class RecordedSlots {
  private slots: Slot[] = []
  /** Resolved on any progress of a recorded response (settle waits on it). */
  private progressWaiters: Array<() => void> = []

  add(key: string, redacted: readonly string[], label: string): Slot {
    const slot: Slot = { key, label, redacted, settled: false }
    this.slots.push(slot)
    return slot
  }

  clear(): void {
    this.slots = []
  }

  /** Recorded requests still on their way (not ended, and not held up by the client). */
  inFlight(): Slot[] {
    return this.slots.filter((slot) => !slot.settled && !slot.waitingForClient?.())
  }

  /** Resolves at the next progress of any recorded response (headers, a chunk, its end). */
  nextProgress(): Promise<void> {
    return new Promise((resolve) => this.progressWaiters.push(resolve))
  }

  progress(): void {
    for (const resolve of this.progressWaiters.splice(0)) resolve()
  }

  /** Settles the slot; true when that recorded an interaction (a settled slot keeps what it had). */
  fill(slot: Slot, interaction: Interaction | undefined): boolean {
    // A slot already stored (cut short when its test ended) keeps what was written.
    if (slot.settled) return false
    slot.settled = true
    if (interaction) slot.interaction = interaction
    this.progress()
    return interaction !== undefined
  }

  /** Slots whose response is still arriving but has a stored form so far (stored truncated). */
  cutShort(): Slot[] {
    return this.slots.filter((slot) => !slot.settled && slot.partial !== undefined)
  }

  /** Slots still without response headers (nothing of them can be stored). */
  unanswered(): Slot[] {
    return this.slots.filter((slot) => !slot.settled && slot.partial === undefined)
  }

  /** The slots that recorded an interaction, in order. */
  recorded(): Slot[] {
    return this.slots.filter((slot) => slot.interaction !== undefined)
  }
}

/**
 * Update mode, failed test: the old entries whose request was not re-recorded by `recorded`,
 * matched key by key in order (the re-recorded ones replace them).
 */
export function notRerecorded(
  old: readonly Interaction[],
  recorded: readonly Slot[],
  keyOf: (request: StoredRequest) => string,
): Interaction[] {
  const counts = new Map<string, number>()
  for (const slot of recorded) counts.set(slot.key, (counts.get(slot.key) ?? 0) + 1)
  return old.filter((interaction) => {
    const key = keyOf(interaction.request)
    const left = counts.get(key) ?? 0
    if (left === 0) return true
    counts.set(key, left - 1)
    return false
  })
}
