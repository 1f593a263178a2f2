/**
 * Failures that explain themselves and lose nothing (test/support/failure-scenarios.ts), through
 * the real vitest CLI; test/jest/failures.test.ts runs the same scenarios through Jest.
 * Needs a build: the fixture projects load fetch-recordings from dist/.
 */
import { describe, test } from 'vitest'
import { runScenario } from '../support/contract.js'
import { FAILURE_SCENARIOS } from '../support/failure-scenarios.js'
import { vitestContractRunner } from '../support/vitest-fixture.js'

const runner = vitestContractRunner()

describe('failures: vitest', () => {
  for (const scenario of FAILURE_SCENARIOS) {
    if (scenario.runners && !scenario.runners.includes('vitest')) continue
    test(scenario.name, { timeout: 180_000 }, () => runScenario(scenario, runner))
  }
})
