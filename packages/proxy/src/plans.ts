// What each fault method checks and builds: its options validated into a FaultPlan (kind, direction,
// parameters, share of connections, seed) and the behaviour that acts on connections. The proxy applies
// plans; it does not know what any one fault does.
import { type Callee, checkNumber, checkOneOf, checkRatio, checkSeed, optionalNumber } from '@faultline/core'
import { effectBehaviour, type FaultPlan } from './fault.js'
import type {
  BandwidthOptions,
  CutAfterOptions,
  LatencyOptions,
  ProxyFaultOptions,
  RefuseOptions,
  SlicerOptions,
  SlowCloseOptions,
} from './options.js'
import type { Pipe } from './pipe.js'
import { checkDirection } from './record.js'

const MS = { unit: 'ms', min: 0 } as const

/** The options every fault takes: the share of connections and the seed. */
export function common(
  options: ProxyFaultOptions | RefuseOptions,
  callee: Callee,
): Pick<FaultPlan, 'probability' | 'seed'> {
  return {
    probability: checkRatio(options.probability ?? 1, 'options.probability', callee),
    seed: checkSeed(options.seed, 'options.seed', callee),
  }
}

export function latencyPlan(options: LatencyOptions, callee: Callee): FaultPlan {
  const ms = checkNumber(options?.ms, 'options.ms', MS, callee)
  const jitter = optionalNumber(options.jitter, 'options.jitter', MS, 0, callee)
  const direction = checkDirection(options.direction, 'downstream', callee)
  return {
    kind: 'latency',
    direction,
    params: { ms, jitter },
    ...common(options, callee),
    behaviour: (seed) =>
      effectBehaviour(direction, seed, (random) => ({ kind: 'latency', ms, jitter, random })),
  }
}

export function bandwidthPlan(options: BandwidthOptions, callee: Callee): FaultPlan {
  const bytesPerSecond = checkNumber(options?.bytesPerSecond, 'options.bytesPerSecond', { above: 0 }, callee)
  const direction = checkDirection(options.direction, 'downstream', callee)
  return {
    kind: 'bandwidth',
    direction,
    params: { bytesPerSecond },
    ...common(options, callee),
    behaviour: (seed) => effectBehaviour(direction, seed, () => ({ kind: 'bandwidth', bytesPerSecond })),
  }
}

export function blackHolePlan(options: ProxyFaultOptions, callee: Callee): FaultPlan {
  const direction = checkDirection(options?.direction, 'both', callee)
  return {
    kind: 'blackHole',
    direction,
    params: {},
    ...common(options, callee),
    behaviour: (seed) => effectBehaviour(direction, seed, () => ({ kind: 'blackHole' })),
  }
}

export function resetPlan(options: ProxyFaultOptions, callee: Callee): FaultPlan {
  const direction = checkDirection(options?.direction, 'both', callee)
  return {
    kind: 'reset',
    direction,
    params: {},
    ...common(options, callee),
    behaviour: () => ({ attach: (connection) => connection.reset(direction) }),
  }
}

export function slowClosePlan(options: SlowCloseOptions, callee: Callee): FaultPlan {
  const ms = checkNumber(options?.ms, 'options.ms', MS, callee)
  const direction = checkDirection(options.direction, 'both', callee)
  return {
    kind: 'slowClose',
    direction,
    params: { ms },
    ...common(options, callee),
    behaviour: (seed) => effectBehaviour(direction, seed, () => ({ kind: 'slowClose', ms })),
  }
}

export function slicerPlan(options: SlicerOptions, callee: Callee): FaultPlan {
  const size = checkNumber(options?.size, 'options.size', { integer: true, min: 1 }, callee)
  const sizeVariation = optionalNumber(options.sizeVariation, 'options.sizeVariation', { min: 0 }, 0, callee)
  const delay = checkNumber(options.delay, 'options.delay', MS, callee)
  const direction = checkDirection(options.direction, 'downstream', callee)
  return {
    kind: 'slicer',
    direction,
    params: { size, sizeVariation, delay },
    ...common(options, callee),
    behaviour: (seed) =>
      effectBehaviour(direction, seed, (random) => ({ kind: 'slice', size, sizeVariation, delay, random })),
  }
}

export function cutAfterPlan(options: CutAfterOptions, callee: Callee): FaultPlan {
  const bytes = checkNumber(options?.bytes, 'options.bytes', { integer: true, min: 0 }, callee)
  const mode = checkOneOf(options.mode, ['reset', 'close'] as const, 'options.mode', 'reset', callee)
  const direction = checkDirection(options.direction, 'both', callee)
  return {
    kind: 'cutAfter',
    direction,
    params: { bytes, mode },
    ...common(options, callee),
    behaviour: () => {
      const pipes: Pipe[] = []
      const owner = {}
      return {
        attach(connection) {
          for (const pipe of connection.pipes(direction)) {
            pipes.push(pipe)
            pipe.addMark({ offset: pipe.received + bytes, owner, run: () => connection.cut(mode) })
          }
        },
        heal() {
          for (const pipe of pipes) pipe.removeMarks(owner)
        },
      }
    },
  }
}
