// Observes a circuit breaker's state changes through its own events, so a test can assert the sequence
// (closed -> open -> half-open -> closed) and count what reached the upstream while it was open.
// Only the event shapes are used: no runtime import of cockatiel or opossum.
import { FaultlineArgumentError, FaultWindow, now, type Timeline } from '@faultline/core'

/** A breaker's state, named the same for every library. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated'

/** The breaker entered `state` at `at` (epoch ms, sub-ms precision). */
export interface BreakerTransition {
  readonly state: BreakerState
  readonly at: number
}

/** A span of time, epoch ms; `to` is undefined while it lasts. */
export interface BreakerWindow {
  readonly from: number
  readonly to: number | undefined
}

/** The part of a cockatiel `CircuitBreakerPolicy` observed: `state` and `onStateChange` (CircuitState 0-3). */
export interface CockatielBreakerLike {
  readonly state: number
  onStateChange(listener: (state: number) => void): { dispose(): void }
}

/** The part of an opossum `CircuitBreaker` observed: its `open`, `halfOpen` and `close` events. */
export interface OpossumBreakerLike {
  readonly opened: boolean
  readonly halfOpen: boolean
  on(event: 'open' | 'halfOpen' | 'close', listener: () => void): unknown
  removeListener(event: 'open' | 'halfOpen' | 'close', listener: () => void): unknown
}

/** Options of `observeBreaker`. */
export interface ObserveBreakerOptions {
  /** A name for messages and the timeline (default `breaker`). */
  readonly name?: string
  /** Records each open (and isolated) window as `<name> open`. */
  readonly timeline?: Timeline
}

// cockatiel's CircuitState enum: Closed = 0, Open = 1, HalfOpen = 2, Isolated = 3.
const COCKATIEL: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated']

function isCockatiel(b: unknown): b is CockatielBreakerLike {
  return typeof (b as CockatielBreakerLike | null)?.onStateChange === 'function'
}

function isOpossum(b: unknown): b is OpossumBreakerLike {
  const o = b as OpossumBreakerLike | null
  return (
    typeof o?.on === 'function' && typeof o.removeListener === 'function' && typeof o.opened === 'boolean'
  )
}

/**
 * The state changes of one breaker since `observeBreaker`. Dispose it to stop listening.
 *
 * @example
 * using observed = observeBreaker(breaker)
 * // ... calls against a black-holed upstream, then the upstream heals ...
 * expect(observed).toHaveBreakerStates(['closed', 'open', 'half-open', 'closed'])
 * expect(upstream).toHaveReceivedAtMost(0, { during: observed.windows('open') })
 */
export class BreakerObserver implements Disposable {
  readonly name: string
  readonly #transitions: BreakerTransition[] = []
  readonly #timeline: Timeline | undefined
  #mark: FaultWindow | undefined
  #stop: () => void = () => {}

  /** @internal Use `observeBreaker`. */
  constructor(initial: BreakerState, options: ObserveBreakerOptions) {
    this.name = options.name ?? 'breaker'
    this.#timeline = options.timeline
    this.record(initial)
  }

  /** @internal */
  listen(stop: () => void): void {
    this.#stop = stop
  }

  /** @internal Records a state change (repeats of the current state are ignored). */
  record(state: BreakerState): void {
    if (this.state === state) return
    const at = now()
    this.#transitions.push({ state, at })
    const blocked = state === 'open' || state === 'isolated'
    if (blocked && this.#mark === undefined) {
      this.#mark = new FaultWindow(`${this.name} ${state}`, {
        timeline: this.#timeline,
        target: this.name,
        at,
      })
    } else if (!blocked) {
      this.#mark?.close(at)
      this.#mark = undefined
    }
  }

  /** The current state, as last observed. */
  get state(): BreakerState | undefined {
    return this.#transitions[this.#transitions.length - 1]?.state
  }

  /** Every state entered, the state at observation first. */
  transitions(): readonly BreakerTransition[] {
    return [...this.#transitions]
  }

  /** The sequence of states, e.g. `['closed', 'open', 'half-open', 'closed']`. */
  states(): readonly BreakerState[] {
    return this.#transitions.map((t) => t.state)
  }

  /**
   * The windows in which the breaker was in `state` (an open one has `to` undefined), for matchers such as
   * `toHaveReceivedAtMost(0, { during: observed.windows('open') })`.
   */
  windows(state: BreakerState): readonly BreakerWindow[] {
    return this.#transitions.flatMap((t, i) =>
      t.state === state ? [{ from: t.at, to: this.#transitions[i + 1]?.at }] : [],
    )
  }

  /** Stops listening. Idempotent. */
  [Symbol.dispose](): void {
    this.#stop()
    this.#stop = () => {}
    this.#mark?.close()
    this.#mark = undefined
  }
}

/**
 * Starts recording a circuit breaker's state changes, from cockatiel (`onStateChange`) or opossum (its
 * `open` / `halfOpen` / `close` events). `using` stops listening at the end of the block.
 *
 * @example
 * const breaker = circuitBreaker(handleAll, { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(3) })
 * using observed = observeBreaker(breaker)
 * observed.states() // ['closed', 'open', 'half-open', 'closed']
 */
export function observeBreaker(
  breaker: CockatielBreakerLike | OpossumBreakerLike,
  options: ObserveBreakerOptions = {},
): BreakerObserver {
  if (isCockatiel(breaker)) {
    const observer = new BreakerObserver(COCKATIEL[breaker.state] ?? 'closed', options)
    const subscription = breaker.onStateChange((state) => observer.record(COCKATIEL[state] ?? 'closed'))
    observer.listen(() => subscription.dispose())
    return observer
  }
  if (isOpossum(breaker)) {
    const initial: BreakerState = breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'
    const observer = new BreakerObserver(initial, options)
    const onOpen = (): void => observer.record('open')
    const onHalfOpen = (): void => observer.record('half-open')
    const onClose = (): void => observer.record('closed')
    breaker.on('open', onOpen)
    breaker.on('halfOpen', onHalfOpen)
    breaker.on('close', onClose)
    observer.listen(() => {
      breaker.removeListener('open', onOpen)
      breaker.removeListener('halfOpen', onHalfOpen)
      breaker.removeListener('close', onClose)
    })
    return observer
  }
  throw new FaultlineArgumentError(
    'breaker',
    'must be a cockatiel CircuitBreakerPolicy (onStateChange) or an opossum CircuitBreaker (on/removeListener, opened)',
    observeBreaker,
  )
}
