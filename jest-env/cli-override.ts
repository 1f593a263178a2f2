/**
 * `jest --testEnvironmentOptions='{…}'` replaces the config's `testEnvironmentOptions` object
 * whole, so a `configFile` set in jest.config would be dropped without a word (and with it
 * normalizeRequest, resolveRecordingPath, …). The reporter's constructor (main process, before
 * any worker starts) sees the command line: it reads the config's `configFile` and announces it
 * in FETCH_RECORDINGS_CONFIG_FILE, which the environments merge back in. A config it cannot
 * evaluate here (ESM, TypeScript, a function) that mentions `configFile` fails the run with a
 * message saying so, rather than run without it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { RecordingError } from '../src/errors.js'

export const CONFIG_FILE_ENV = 'FETCH_RECORDINGS_CONFIG_FILE'
const FLAG = '--testEnvironmentOptions'
const CONFIG_NAMES = [
  'jest.config.js',
  'jest.config.cjs',
  'jest.config.mjs',
  'jest.config.ts',
  'jest.config.json',
]

export function carryConfigFile(
  argv: readonly string[],
  rootDir: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const fromCli = flagValue(argv, FLAG)
  if (fromCli === undefined) return
  let cliOptions: unknown
  try {
    cliOptions = JSON.parse(fromCli)
  } catch {
    return // Jest itself refuses it, with its own message.
  }
  if (typeof cliOptions === 'object' && cliOptions !== null && 'configFile' in cliOptions) return
  const configPath = configPathOf(argv, rootDir)
  if (!configPath) return
  const loaded = loadConfig(configPath)
  if (loaded === undefined) {
    if (!readFileSync(configPath, 'utf8').includes('configFile')) return
    throw new RecordingError(
      'INVALID_OPTION',
      `${FLAG} replaces testEnvironmentOptions of ${configPath} whole, so its configFile would be dropped, and fetch-recordings cannot read that config here to put it back. Add "configFile" to the JSON you pass: ${FLAG}='{"configFile":"…", …}'.`,
    )
  }
  const configFile = (loaded.testEnvironmentOptions as Record<string, unknown> | undefined)?.configFile
  if (typeof configFile !== 'string') return
  const root = resolve(dirname(configPath), typeof loaded.rootDir === 'string' ? loaded.rootDir : '.')
  env[CONFIG_FILE_ENV] = isAbsolute(configFile) ? configFile : resolve(root, configFile)
}

function flagValue(argv: readonly string[], flag: string): string | undefined {
  const index = argv.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`))
  if (index === -1) return undefined
  const arg = argv[index] as string
  return arg === flag ? argv[index + 1] : arg.slice(flag.length + 1)
}

function configPathOf(argv: readonly string[], rootDir: string): string | undefined {
  const given = flagValue(argv, '--config') ?? flagValue(argv, '-c')
  if (given !== undefined) return given.trim().startsWith('{') ? undefined : resolve(given)
  for (const name of CONFIG_NAMES) if (existsSync(join(rootDir, name))) return join(rootDir, name)
  const manifest = join(rootDir, 'package.json')
  return existsSync(manifest) && readFileSync(manifest, 'utf8').includes('"jest"') ? manifest : undefined
}

/** The config object, when it can be evaluated synchronously here; undefined otherwise. */
function loadConfig(path: string): Record<string, unknown> | undefined {
  try {
    if (path.endsWith('package.json')) return JSON.parse(readFileSync(path, 'utf8')).jest
    if (path.endsWith('.json')) return JSON.parse(readFileSync(path, 'utf8'))
    if (path.endsWith('.mjs') || path.endsWith('.ts')) return undefined
    const exported = createRequire(path)(path)
    const config = exported?.default ?? exported
    return typeof config === 'object' && config !== null ? config : undefined
  } catch {
    return undefined
  }
}
