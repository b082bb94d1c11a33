// Registers Faultline's matchers with Vitest's expect. The plugin adds this file to `setupFiles`;
// users without the plugin add `@faultline/vitest/setup` to their own setupFiles.
import { expect } from 'vitest'
import { faultlineMatchers } from './matchers/index.js'

expect.extend(faultlineMatchers)
