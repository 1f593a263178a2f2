/**
 * Failures that explain themselves and lose nothing (test/support/failure-scenarios.ts), through
 * the real jest CLI; test/vitest/failures.test.ts runs the same scenarios through Vitest.
 * Needs a build: the fixture projects load fetch-recordings from dist/.
 */
import { describe, test } from 'vitest'
import { runScenario } from '../support/contract.js'
import { FAILURE_SCENARIOS } from '../support/failure-scenarios.js'
import { jestContractRunner } from '../support/jest-fixture.js'

const runner = jestContractRunner()

describe('failures: jest', () => {
  for (const scenario of FAILURE_SCENARIOS) {
    if (scenario.runners && !scenario.runners.includes('jest')) continue
    test(scenario.name, { timeout: 180_000 }, () => runScenario(scenario, runner))
  }
})
