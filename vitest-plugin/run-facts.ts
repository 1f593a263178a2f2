/**
 * Turns what Vitest reports at the end of a run into the core's RunFacts: every collected test
 * of every file that ran with the plugin, with its state, and the outcomes the workers put in
 * task meta (tests: their recording; files: the file-level recording, the mode, the layout).
 * A shard's main process adds, per module, how it ran (RunMeta), which blob reports keep for
 * the merge step: there the union of the shards is judged instead of this process's own run.
 */
import type { TestCase, TestModule, TestSpecification, Vitest } from 'vitest/node'
import {
  mergedShardsOf,
  type RecordingMode,
  type RecordingOutcome,
  type RunFacts,
  type Shard,
  type TestFileRun,
  type TestState,
} from '../src/index.js'
import { type FileMeta, META_KEY } from './settings.js'

/** Module meta key for RunMeta (set by the main process, unlike FileMeta). */
const RUN_META_KEY = 'fetchRecordingsRun'

/** How a module's run was narrowed, as the shard's main process saw it. */
interface RunMeta {
  shard?: Shard
  /** This module's tests were narrowed by name, line or id. */
  filtered: boolean
  /** The run was narrowed by anything but the shard (file filters, --changed, a project filter, ...). */
  narrowed: boolean
}

export interface RunInput {
  vitest: Vitest
  modules: readonly TestModule[]
  specifications: readonly TestSpecification[]
  /** The run was a watch-mode rerun of some files, or was interrupted. */
  partial: boolean
  /** Used when no worker reported one (the same inputs resolved in the main process). */
  mainMode: RecordingMode
  roots: readonly string[]
  /** `--merge-reports`: the modules come from shards' blobs, which say how they ran. */
  merging: boolean
}

/** Marks a module that ended in this process with how the run was narrowed (for a later merge). */
export function markShardRun(
  vitest: Vitest,
  module: TestModule,
  specifications: readonly TestSpecification[],
): void {
  const shard = vitest.config.shard
  const meta: RunMeta = {
    ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}),
    filtered: Boolean(testNamePatternOf(vitest)) || specificationNarrowed(specifications, module.moduleId),
    narrowed: runNarrowed({ vitest, specifications }),
  }
  // The task itself (not a copy): the blob reporter serializes these objects at the end of the run.
  ;((module as unknown as { task: { meta: object } }).task.meta as Record<string, unknown>)[RUN_META_KEY] =
    meta
}

/** RunFacts, or undefined when no file ran with the plugin's setup file. */
export function runFactsOf(input: RunInput): RunFacts | undefined {
  const files: TestFileRun[] = []
  const outcomes: RecordingOutcome[] = []
  const metas: FileMeta[] = []
  const narrowedByName = Boolean(testNamePatternOf(input.vitest))
  const runMetas: (RunMeta | undefined)[] = []
  for (const module of input.modules) {
    const fileMeta = ours<FileMeta>(module)
    const tests = [...module.children.allTests()]
    const testOutcomes = tests.flatMap((test) => ours<RecordingOutcome>(test) ?? [])
    // A file that ran without our setup file (another project), or never got past collection.
    if (!fileMeta && testOutcomes.length === 0) continue
    if (fileMeta) metas.push(fileMeta)
    const runMeta = (module.meta() as Record<string, unknown>)[RUN_META_KEY] as RunMeta | undefined
    runMetas.push(runMeta)
    // Errors of the module itself (collection, a file-level hook): its folder is not judged.
    const collectFailed = module.errors().length > 0 || module.state() === 'skipped'
    files.push({
      testFile: module.moduleId,
      tests: tests.map((test) => ({ name: nameOf(test), state: stateOf(test) })),
      filtered: input.merging
        ? runMeta?.filtered !== false
        : narrowedByName || specificationNarrowed(input.specifications, module.moduleId),
      collectFailed,
    })
    outcomes.push(...testOutcomes, ...(fileMeta?.fileLevel ?? []))
  }
  if (files.length === 0) return undefined
  const facts: RunFacts = {
    mode: metas[0]?.mode ?? input.mainMode,
    files,
    outcomes,
    fullRun: !input.partial && !narrowedByName && !runNarrowed(input),
    roots: [...input.roots],
    customLayout: metas.some((meta) => meta.customLayout),
  }
  if (input.merging) {
    // A module without RunMeta came from a blob this plugin did not mark: never judged whole.
    facts.fullRun = !input.partial && runMetas.every((meta) => meta !== undefined && !meta.narrowed)
    facts.merged = mergedShardsOf(runMetas.map((meta) => meta?.shard))
  } else {
    const shard = input.vitest.config.shard
    if (shard) facts.shard = { index: shard.index, count: shard.count }
  }
  return facts
}

function ours<T>(entity: { meta(): object }): T | undefined {
  return (entity.meta() as Record<string, unknown>)[META_KEY] as T | undefined
}

/** The name the worker used (its outcome says); for a test that did not run, Vitest's own. */
function nameOf(test: TestCase): string {
  return ours<RecordingOutcome>(test)?.testName ?? test.fullName
}

function stateOf(test: TestCase): TestState {
  const { state } = test.result()
  if (state === 'passed' || state === 'failed') return state
  return test.options.mode === 'todo' ? 'todo' : 'skipped'
}

function testNamePatternOf(vitest: Vitest): RegExp | string | undefined {
  // getGlobalTestNamePattern includes a pattern typed in watch mode (`t`); older versions lack it.
  const withOverride = vitest as Vitest & { getGlobalTestNamePattern?: () => RegExp | undefined }
  return withOverride.getGlobalTestNamePattern?.() ?? vitest.config.testNamePattern
}

/** `file.test.ts:12`, an IDE's test ids, a per-file name pattern. */
function specificationNarrowed(specifications: readonly TestSpecification[], moduleId: string): boolean {
  return specifications.some((specification) => {
    if (specification.moduleId !== moduleId) return false
    const narrowing = specification as TestSpecification & {
      testLines?: number[]
      testIds?: string[]
      testNamePattern?: RegExp
      testTagsFilter?: unknown
    }
    return Boolean(
      narrowing.testLines?.length ||
        narrowing.testIds?.length ||
        narrowing.testNamePattern ||
        narrowing.testTagsFilter,
    )
  })
}

/** Only some test files ran: file filters, --changed/--related, a project filter, tags (a shard is told apart). */
function runNarrowed({ vitest, specifications }: Pick<RunInput, 'vitest' | 'specifications'>): boolean {
  const config = vitest.config as Vitest['config'] & { tagsFilter?: unknown[]; project?: unknown[] }
  const filenamePattern = (vitest as unknown as { filenamePattern?: string[] }).filenamePattern
  return Boolean(
    filenamePattern?.length ||
      config.changed ||
      config.related?.length ||
      config.project?.length ||
      config.tagsFilter?.length ||
      specifications.some((specification) => specificationNarrowed([specification], specification.moduleId)),
  )
}
