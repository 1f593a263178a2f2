/**
 * Which sets of shard reports are the whole suite (fast-check over shard counts and subsets),
 * and what a merge makes of reports in process: folders judged only over a complete, unfiltered
 * set, and only those every shard found; reports of different modes refused.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { mergeReports } from '../../src/report/merge.js'
import { mergedShardsOf } from '../../src/report/report.js'
import { REPORT_SCHEMA, type ReportFileJson } from '../../src/report/report-file.js'

const SEED = 20261201

describe('mergedShardsOf', () => {
  test('complete exactly when every shard 1..n is there once or more', () => {
    let cases = 0
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((count) =>
            fc.tuple(fc.constant(count), fc.array(fc.integer({ min: 1, max: count }), { maxLength: 12 })),
          ),
        ([count, indices]) => {
          cases++
          const merged = mergedShardsOf(indices.map((index) => ({ index, count })))
          const distinct = new Set(indices)
          expect(merged.complete).toBe(distinct.size === count)
          expect(merged.shards).toEqual([...distinct].sort((a, b) => a - b))
        },
      ),
      { seed: SEED, numRuns: 300 },
    )
    expect(cases).toBe(300)
  })

  test('unsharded reports are one complete run; mixed counts never are', () => {
    expect(mergedShardsOf([undefined])).toEqual({ shards: [1], count: 1, complete: true })
    expect(
      mergedShardsOf([
        { index: 1, count: 2 },
        { index: 2, count: 3 },
      ]).complete,
    ).toBe(false)
  })
})

function shardReport(index: number, count: number, extra: Partial<ReportFileJson> = {}): ReportFileJson {
  return {
    schema: REPORT_SCHEMA,
    runner: 'jest',
    mode: 'replay',
    rootDir: '/project',
    run: { full: true, shard: { index, count }, merged: null },
    totals: {
      replayed: 1,
      written: 0,
      updated: 0,
      unchanged: 0,
      stale: 0,
      removed: 0,
      redactions: 0,
      misses: 0,
    },
    recordings: [],
    misses: [],
    files: [],
    staleFolders: [],
    removedFolders: [],
    folderCandidates: ['__recordings__/gone.test.js', `__recordings__/only-in-${index}.test.js`],
    foldersNotJudged: 'sharded',
    pruneSkipped: null,
    bypassed: 0,
    bypassedHosts: [],
    ...extra,
  }
}

describe('mergeReports', () => {
  test('a complete unfiltered set judges the folders every shard found', () => {
    const merged = mergeReports([shardReport(1, 2), shardReport(2, 2)])
    expect(merged.staleFolders).toEqual(['/project/__recordings__/gone.test.js'])
    expect(merged.totals.stale).toBe(1)
    expect(merged.foldersNotJudged).toBeUndefined()
  })

  test('a filtered shard or a missing one judges no folder', () => {
    const filtered = mergeReports([
      shardReport(1, 2),
      shardReport(2, 2, { run: { full: false, shard: { index: 2, count: 2 }, merged: null } }),
    ])
    expect(filtered.staleFolders).toEqual([])
    expect(filtered.foldersNotJudged).toContain('a shard ran filtered')
    expect(mergeReports([shardReport(1, 2)]).foldersNotJudged).toContain('only shard(s) 1 of 2 were merged')
  })

  test('reports of different modes are refused', () => {
    expect(() => mergeReports([shardReport(1, 2), shardReport(2, 2, { mode: 'new' })])).toThrow(
      'the reports come from runs in different modes (replay, new)',
    )
  })
})

test('bypassed connections of the shards add up', () => {
  const merged = mergeReports([
    shardReport(1, 2, { bypassed: 2, bypassedHosts: ['api.example.com'] }),
    shardReport(2, 2, { bypassed: 1, bypassedHosts: ['api.example.com', 'other.example.com'] }),
  ])
  expect(merged.bypassed).toEqual({ count: 3, hosts: ['api.example.com', 'other.example.com'] })
})
