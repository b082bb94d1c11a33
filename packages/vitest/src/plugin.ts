import { fileURLToPath } from 'node:url'
import { isServiceDefinition, type ServiceDefinition } from '@faultline/containers'
import { FaultlineArgumentError } from '@faultline/core'
import type { Plugin } from 'vitest/config'
import { register } from './registry.js'
import { FaultlineReporter } from './reporter.js'

/** Options of the Faultline plugin. */
export interface FaultlineOptions {
  /**
   * The services this project's tests use, by name: started once, in parallel, before the first test
   * file runs, and removed after the last.
   */
  services?: Record<string, ServiceDefinition>
  /**
   * Adds the Faultline reporter (`@faultline/vitest/reporter`): a terminal summary of the judged load runs
   * and `reports/faultline.html`. Off by default. Reporters belong to the whole run: put the plugin in the
   * root config (a project's reporters are ignored by Vitest).
   */
  reporter?: boolean
}

const NAME = /^[A-Za-z_][\w-]*$/

function check(options: FaultlineOptions): Record<string, ServiceDefinition> {
  if (typeof options !== 'object' || options === null) {
    throw new FaultlineArgumentError(
      'options',
      'must be an object such as { services: { pg: postgresContainer() } }',
      faultline,
    )
  }
  const services = options.services ?? {}
  for (const [name, definition] of Object.entries(services)) {
    if (!NAME.test(name)) {
      throw new FaultlineArgumentError(
        `services.${name}`,
        'a service name must be an identifier (letters, digits, _ or -)',
        faultline,
      )
    }
    if (!isServiceDefinition(definition)) {
      throw new FaultlineArgumentError(
        `services.${name}`,
        'must be a service definition: postgresContainer(), redisContainer(), rabbitmqContainer(), container() or external.*() from @faultline/containers',
        faultline,
      )
    }
  }
  return services
}

/**
 * The Faultline plugin for `vitest.config.ts`: starts the declared services once per run (in global
 * setup), hands their addresses to the test workers, registers the matchers, and removes every container
 * at the end — and sweeps the containers of earlier runs that were killed.
 *
 * @example
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config'
 * import { faultline } from '@faultline/vitest/plugin'
 * import { postgresContainer, rabbitmqContainer, redisContainer } from '@faultline/containers'
 *
 * export default defineConfig({
 *   plugins: [
 *     faultline({
 *       services: { pg: postgresContainer(), cache: redisContainer(), mq: rabbitmqContainer() },
 *       reporter: true, // a terminal summary of the load runs and reports/faultline.html
 *     }),
 *   ],
 * })
 */
export function faultline(options: FaultlineOptions = {}): Plugin {
  const services = check(options)
  return {
    name: 'faultline',
    config(user) {
      // Vitest concatenates reporter lists; with none configured, keep its default reporter beside ours.
      const reporters =
        options.reporter === true
          ? {
              reporters: [
                ...(user.test?.reporters === undefined ? ['default' as const] : []),
                new FaultlineReporter(),
              ],
            }
          : {}
      return {
        test: {
          ...reporters,
          globalSetup: [fileURLToPath(new URL('./global-setup.js', import.meta.url))],
          setupFiles: [fileURLToPath(new URL('./setup.js', import.meta.url))],
          // Starting containers can take longer than Vitest's default hook timeout.
          hookTimeout: 60_000,
        },
      }
    },
    configureVitest({ project }) {
      register(project.name, { services })
    },
  }
}
