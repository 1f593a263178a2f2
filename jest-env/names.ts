/**
 * Test names as both halves of the Jest integration see them. The environment names a test
 * from circus' describe tree, the reporter from Jest's assertion results; both must produce
 * the same string, because it is the recording's file name and the key the report joins on.
 * The layout is Vitest's (`outer > inner > test [params]`) so a project moving between the
 * runners keeps its recordings.
 */
import type { Circus } from '@jest/types'

export const NAME_SEPARATOR = ' > '

/** `describe > … > test`; circus' root block (the one without a parent) is not a name. */
export function testNameOf(test: Circus.TestEntry): string {
  const names = [test.name]
  for (let block: Circus.DescribeBlock | undefined = test.parent; block?.parent; block = block.parent) {
    names.unshift(block.name)
  }
  return names.join(NAME_SEPARATOR)
}

/** The same name from a test result (`ancestorTitles` are the describe names, outermost first). */
export function resultNameOf(result: { ancestorTitles: readonly string[]; title: string }): string {
  return [...result.ancestorTitles, result.title].join(NAME_SEPARATOR)
}
