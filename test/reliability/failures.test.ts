/**
 * Failures that explain themselves and lose nothing (test/support/failure-scenarios.ts), through
 * the real vitest and jest CLIs. Needs a build: the fixture projects load fetch-recordings from dist/.
 */
import { describe, test } from 'vitest'
import { type ContractRunner, runScenario } from '../support/contract.js'
import { FAILURE_SCENARIOS } from '../support/failure-scenarios.js'
import { jestContractRunner } from '../support/jest-fixture.js'
import { vitestContractRunner } from '../support/vitest-fixture.js'

const RUNNERS: ContractRunner[] = [vitestContractRunner(), jestContractRunner()]

for (const runner of RUNNERS) {
  describe(`failures: ${runner.name}`, () => {
    for (const scenario of FAILURE_SCENARIOS) {
      if (scenario.runners && !scenario.runners.includes(runner.name)) continue
      test(scenario.name, { timeout: 180_000 }, () => runScenario(scenario, runner))
    }
  })
}
