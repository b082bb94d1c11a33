import { describe, expect, it } from 'vitest'
import { Timeline } from './timeline.js'

describe('Timeline', () => {
  it('records start and heal once, and finds overlapping faults', () => {
    const timeline = new Timeline()
    const a = timeline.start('pause', { target: 'redis', at: 100 })
    const b = timeline.start('latency', { at: 300 })
    a.heal(200)
    a.heal(250)
    expect(timeline.entries()).toEqual([
      { name: 'pause', target: 'redis', startedAt: 100, healedAt: 200 },
      { name: 'latency', startedAt: 300 },
    ])
    expect(timeline.between(210, 280)).toEqual([])
    expect(timeline.between(150, 1000).map((e) => e.name)).toEqual(['pause', 'latency'])
    b.heal(400)
    expect(timeline.between(401, 500)).toEqual([])
  })
})
