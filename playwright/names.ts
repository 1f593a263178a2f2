import { dirname } from 'node:path'

/**
 * The project's root: the config file's folder (Playwright's `rootDir` is the testDir). Test
 * ids in recordings and paths in the summary are relative to it, as with Vitest and Jest.
 */
export function projectRootOf(config: { configFile?: string | undefined; rootDir: string }): string {
  return config.configFile ? dirname(config.configFile) : process.cwd()
}

/**
 * One name per Playwright test, the same in the workers (which name the recording) and in the
 * reporter (which judges what is stale): `describe > title`, plus ` [project]` when the test's
 * project has a name. Projects (browsers) run the same test in parallel workers; a recording of
 * their own keeps two writers off one file, and the name is fixed by the config alone.
 */

export function recordingNameOf(titles: readonly string[], projectName: string): string {
  const name = titles.join(' > ')
  return projectName ? `${name} [${projectName}]` : name
}
