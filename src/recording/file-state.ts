/**
 * A recording's file as this worker knows it: its entries (read and parsed at first use, let go
 * when the test finishes), or why it does not load; the text of a file that reads but does not
 * parse comes along, for update mode to write over.
 */
import type { RecordingError } from '../errors.js'
import type { Interaction } from '../format/format.js'
import type { LoadedEntries } from './entry-picker.js'
import type { TestStatus } from './outcome.js'
import { type FileOwner, readRecordingFile } from './recording-file.js'

export type Loaded = LoadedEntries

export class FileState {
  loaded: Loaded | undefined
  loadError: RecordingError | undefined
  /** The text of a file that did not load: update mode replaces it. */
  unloadedText: string | undefined

  constructor(
    private readonly path: string,
    private readonly owner?: FileOwner,
  ) {}

  load(): Loaded {
    if (this.loadError) throw this.loadError
    if (this.loaded) return this.loaded
    const read = readRecordingFile(this.path, this.owner)
    try {
      if ('error' in read) throw read.error
      this.loaded = { interactions: read.interactions, text: read.text }
      return this.loaded
    } catch (error) {
      this.unloadedText = read.text
      this.loadError = error as RecordingError
      throw this.loadError
    }
  }

  failIfUnreadable(): void {
    try {
      this.load()
    } catch (error) {
      // A file that reads but does not parse is replaced when the test ends; one that cannot be read is not.
      if (this.unloadedText === undefined) throw error
    }
  }

  tryLoad(): Loaded | undefined {
    try {
      return this.load()
    } catch {
      // A broken file was already reported to the test that read it; never overwrite it blindly.
      return undefined
    }
  }

  /**
   * A file that reads but does not parse (a merge conflict, a hand edit), in update mode: the new
   * recording is written over it, and the outcome says so. Not for a failed test that recorded
   * nothing: then there is nothing to put in its place.
   */
  replaceable(status: TestStatus, recorded: readonly Interaction[]): Loaded | undefined {
    if (this.unloadedText === undefined || (status !== 'passed' && recorded.length === 0)) return undefined
    return { interactions: [], text: this.unloadedText }
  }
}
