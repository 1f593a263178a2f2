/**
 * The runner-neutral contract (test/support/contract.ts) through the real jest CLI, in band.
 * Needs a build: the fixture projects load fetch-recordings from dist/.
 */
import { describe, test } from 'vitest'
import { runScenario, SCENARIOS } from '../support/contract.js'
import { jestContractRunner } from '../support/jest-fixture.js'

const runner = jestContractRunner()

describe('contract: jest', () => {
  for (const scenario of SCENARIOS) {
    if (scenario.runners && !scenario.runners.includes('jest')) continue
    test(scenario.name, () => runScenario(scenario, runner))
  }
})
