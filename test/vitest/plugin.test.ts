/**
 * The plugin object in the config process, without running Vitest: its shape is what
 * `defineConfig` accepts (checked by tsc), options are checked and made serializable, the setup
 * file is found next to the plugin module, and configFile is injected into that file only.
 */

import { describe, expect, test } from 'vitest'
import { defineConfig } from 'vitest/config'
import { fetchRecordings } from '../../vitest-plugin/index.js'
import { checkOptions } from '../../vitest-plugin/options.js'
import { deserializePatterns } from '../../vitest-plugin/settings.js'

describe('plugin', () => {
  test('is a Vite plugin defineConfig accepts', () => {
    const config = defineConfig({ plugins: [fetchRecordings({ mode: 'replay', failOnStale: true })] })
    expect(config.plugins).toHaveLength(1)
    expect(fetchRecordings().name).toBe('vitest:fetch-recordings')
  })

  test('puts its setup file first among the setup files, once', () => {
    const plugin = fetchRecordings()
    const config: { test?: { setupFiles?: string | string[] } } = { test: { setupFiles: './mine.ts' } }
    plugin.config(config)
    plugin.config(config)
    const files = config.test?.setupFiles as string[]
    expect(files).toHaveLength(2)
    expect(files[0]).toMatch(/vitest-plugin[/\\]setup\.ts$/)
    expect(files[1]).toBe('./mine.ts')
  })

  test('leaves every module but its setup file alone', () => {
    expect(fetchRecordings().transform('code', '/project/test/a.test.ts')).toBeUndefined()
  })
})

describe('options', () => {
  test('RegExps cross to the workers as source and flags', () => {
    const { inline } = checkOptions({
      passthrough: ['http://127.0.0.1:3000', /localhost:\d+/i],
      allowRepeats: true,
    })
    expect(inline).toEqual({
      passthrough: ['http://127.0.0.1:3000', { source: 'localhost:\\d+', flags: 'i' }],
      allowRepeats: true,
    })
    // structuredClone is what project.provide checks.
    const [prefix, pattern] = deserializePatterns(structuredClone(inline.passthrough)) ?? []
    expect(prefix).toBe('http://127.0.0.1:3000')
    expect((pattern as RegExp).test('http://LOCALHOST:5432/')).toBe(true)
  })

  test('main-process options stay in the main process', () => {
    const checked = checkOptions({
      configFile: 'recordings.config.ts',
      failOnStale: true,
      binding: 'beforeEach',
    })
    expect(checked).toEqual({
      inline: {},
      configFile: 'recordings.config.ts',
      failOnStale: true,
      binding: 'beforeEach',
    })
  })

  test('functions, unknown keys and a bad binding are refused with the fix', () => {
    expect(() => checkOptions({ resolveRecordingPath: () => 'x' } as never)).toThrow(
      /resolveRecordingPath is a function.*configFile/,
    )
    expect(() => checkOptions({ passthrough: (() => true) as never })).toThrow(/passthrough is a function/)
    expect(() => checkOptions({ updateRecording: true } as never)).toThrow(
      /"updateRecording" is not an option/,
    )
    expect(() => checkOptions({ binding: 'afterEach' as never })).toThrow(/binding: "afterEach"/)
  })
})
