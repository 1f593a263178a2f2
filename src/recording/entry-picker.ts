/**
 * Which stored entry of a loaded recording answers a request, within one attempt of a test:
 * the n-th identical request gets the n-th recorded answer, each entry answers once.
 */
import type { Interaction, StoredRequest } from '../format/format.js'
import { fitsAtRedactedPlaces, hasRedactedPlace } from './redacted-places.js'

/** A recording file as loaded: its entries, its text, and their positions by key. */
export interface LoadedEntries {
  interactions: Interaction[]
  text: string | undefined
  /** Made at the first request not matched in order (see EntryPicker.pick). */
  index?: Map<string, number[]>
  /** Per entry, its places when it has a redacted one (made at the first request no key matched). */
  places?: unknown[]
}

/** A request as matching needs it: its stored form, and its key (made only if asked for). */
export interface MatchableRequest {
  readonly request: StoredRequest
  readonly key: string
}

export interface PickRules {
  /** The match key of a stored request under today's rules. */
  keyOf: (request: StoredRequest) => string
  /** True only when a stored request provably has the live request's key (same-request.ts). */
  sameRequest?: ((live: StoredRequest, stored: StoredRequest) => boolean) | undefined
  /** A request's places (redacted-places.ts): a stored one under today's rules, a live one as it is. */
  placesOf?: { stored(request: StoredRequest): unknown; live(request: StoredRequest): unknown } | undefined
}

/** What the entries with redacted places say of a request no key matched. */
export type RedactedPick = { position: number } | { usedPositions: number[] }

/**
 * A suite replays in the order it recorded, so the first unused entry is tried first: when it
 * is this very request it is also what the key would find (every earlier entry is used, so it
 * is the first unused one of its key too), and no stored request needs keying
 * (docs/performance.md). Otherwise every entry is keyed once, and requests are looked up by key.
 * Keying or comparing a request 10,000 levels deep throws the engine's RangeError.
 */
export class EntryPicker {
  /** Per key, how far its positions are used (an entry used in order is skipped there too). */
  private cursors = new Map<string, number>()
  private used = new Set<number>()
  /** No entry before this position is unused. */
  private firstUnused = 0

  constructor(private readonly rules: PickRules) {}

  /** A new attempt: every entry unused. */
  reset(): void {
    this.cursors.clear()
    this.used.clear()
    this.firstUnused = 0
  }

  /** The position of the entry that answers `live` (now used), or undefined. */
  pick(loaded: LoadedEntries, live: MatchableRequest): number | undefined {
    const position = this.nextInOrder(loaded, live.request) ?? this.nextOfKey(loaded, live.key)
    if (position !== undefined) this.used.add(position)
    return position
  }

  /** Every position recorded for this key, used or not. */
  positionsOf(loaded: LoadedEntries, key: string): readonly number[] | undefined {
    return this.indexed(loaded).get(key)
  }

  get usedCount(): number {
    return this.used.size
  }

  unusedPositions(entries: number): number[] {
    const positions = Array.from({ length: entries }, (_, position) => position)
    return positions.filter((position) => !this.used.has(position))
  }

  /** The first unused entry (now used) when `same` says it is the request; else undefined. */
  pickInOrder(loaded: LoadedEntries, same: (stored: StoredRequest) => boolean): number | undefined {
    while (this.used.has(this.firstUnused)) this.firstUnused++
    const next = loaded.interactions[this.firstUnused]
    if (!next || !same(next.request)) return undefined
    this.used.add(this.firstUnused)
    return this.firstUnused
  }

  /**
   * For a request no key matched: the first unused entry whose redacted places it fits (now used);
   * else the used entries it fits (it ran out of answers); undefined when none fits.
   */
  pickAtRedactedPlaces(loaded: LoadedEntries, live: StoredRequest): RedactedPick | undefined {
    const rules = this.rules.placesOf
    if (!rules) return undefined
    loaded.places ??= loaded.interactions.map((interaction) => {
      const places = rules.stored(interaction.request)
      return hasRedactedPlace(places) ? places : undefined
    })
    if (!loaded.places.some((places) => places !== undefined)) return undefined
    const livePlaces = rules.live(live)
    const usedPositions: number[] = []
    for (const [position, places] of loaded.places.entries()) {
      if (places === undefined || !fitsAtRedactedPlaces(places, livePlaces)) continue
      if (this.used.has(position)) {
        usedPositions.push(position)
        continue
      }
      this.used.add(position)
      return { position }
    }
    return usedPositions.length > 0 ? { usedPositions } : undefined
  }

  private nextInOrder(loaded: LoadedEntries, request: StoredRequest): number | undefined {
    const same = this.rules.sameRequest
    return same && this.pickInOrder(loaded, (stored) => same(request, stored))
  }

  private nextOfKey(loaded: LoadedEntries, key: string): number | undefined {
    const positions = this.indexed(loaded).get(key)
    if (!positions) return undefined
    let cursor = this.cursors.get(key) ?? 0
    while (cursor < positions.length && this.used.has(positions[cursor] as number)) cursor++
    this.cursors.set(key, cursor)
    return positions[cursor]
  }

  private indexed(loaded: LoadedEntries): Map<string, number[]> {
    loaded.index ??= indexOf(loaded.interactions, this.rules.keyOf)
    return loaded.index
  }
}

function indexOf(
  interactions: readonly Interaction[],
  keyOf: (request: StoredRequest) => string,
): Map<string, number[]> {
  const index = new Map<string, number[]>()
  interactions.forEach((interaction, position) => {
    const key = keyOf(interaction.request)
    const positions = index.get(key)
    if (positions) positions.push(position)
    else index.set(key, [position])
  })
  return index
}
