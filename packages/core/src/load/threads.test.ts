// A load run spread over worker threads is one run: the same arrivals, the same calls (by index), one
// report; faults of the calling thread's timeline are on it; bad input is refused with the fix.
import { describe, expect, test } from 'vitest'
import { Timeline } from '../timeline.js'
import { constantRate, poissonArrivals, rampUsers } from './arrivals.js'
import { everyTenthFails } from './fixtures/thread-tasks.js'
import { load } from './load.js'
import { threadTask } from './thread-task.js'

const tasks = new URL('./fixtures/thread-tasks.ts', import.meta.url)

describe('load on threads', () => {
  test('the open model on 2 threads issues exactly the arrivals of one thread, and the same calls fail', async () => {
    const options = { rate: poissonArrivals(constantRate(400)), duration: 1_000, seed: 7 }
    const one = await load(everyTenthFails, options)
    const two = await load(threadTask(tasks, 'everyTenthFails'), { ...options, threads: 2 })
    expect(two.count).toBe(one.count) // the same seeded schedule, shared out
    expect(two.errorsByKind).toEqual(one.errorsByKind) // calls keep their run-wide index: the same ones fail
    expect(two.errorsByKind).toEqual({ ETENTH: Math.floor(one.count / 10) })
    expect(two.seeds).toEqual([7])
    expect(two.runs).toBe(2)
  }, 30_000)

  test('the closed model on 2 threads runs the count, with concurrency shared out', async () => {
    const report = await load(threadTask(tasks, 'everyTenthFails'), {
      concurrency: 4,
      count: 200,
      threads: 2,
    })
    expect([report.count, report.errors, report.model]).toEqual([200, 20, 'closed'])
  }, 30_000)

  test('a weighted mix runs on threads, its tags in the report', async () => {
    const report = await load(threadTask(tasks, 'mix'), { rate: 200, duration: 1_000, seed: 3, threads: 2 })
    expect([...report.tags].sort()).toEqual(['read', 'write'])
    expect(report.tag('read').count + report.tag('write').count).toBe(report.count)
  }, 30_000)

  test("the calling thread's timeline: its faults are on the merged report", async () => {
    const timeline = new Timeline()
    const run = load(threadTask(tasks, 'everyTenthFails'), {
      rate: 100,
      duration: 1_500,
      threads: 2,
      timeline,
    })
    await new Promise((resolve) => setTimeout(resolve, 600))
    const fault = timeline.start('redis paused')
    fault.heal()
    const report = await run
    expect(report.faults.map((f) => f.name)).toEqual(['redis paused'])
    expect(report.during('redis paused').count).toBeGreaterThan(0)
  }, 30_000)

  test("aborting the signal rejects with its reason and ends the threads' calls", async () => {
    const controller = new AbortController()
    const run = load(threadTask(tasks, 'everyTenthFails'), {
      rate: 100,
      duration: 20_000,
      threads: 2,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('enough')), 300)
    await expect(run).rejects.toThrow('enough')
  }, 30_000)

  test('a task the module does not export fails the run, naming the thread and the export', async () => {
    await expect(load(threadTask(tasks, 'nope'), { rate: 10, duration: 500, threads: 2 })).rejects.toThrow(
      /load thread [12] of 2: .*thread-tasks\.ts has no export "nope"; it exports everyTenthFails, mix/,
    )
  }, 30_000)

  test.each([
    [
      () => load(everyTenthFails, { rate: 10, duration: 100, threads: 2 }),
      /target: functions do not cross to worker threads/,
    ],
    [
      () => load(threadTask(tasks, 'mix'), { rate: 10, duration: 100 }),
      /options.threads: a threadTask runs on worker threads/,
    ],
    [
      () => load(threadTask(tasks, 'mix'), { rate: 10, duration: 100, threads: 0 }),
      /options.threads: expected an integer >= 1, got 0/,
    ],
    [
      () => load(threadTask(tasks, 'mix'), { concurrency: 1, count: 10, threads: 2 }),
      /options.threads: 2 threads for 1 calls in flight/,
    ],
    [
      () => load(threadTask(tasks, 'mix'), { concurrency: rampUsers(1, 4, 1_000), threads: 2 }),
      /options.concurrency: a users profile cannot be spread over threads yet/,
    ],
    [
      () => load(threadTask(tasks, 'mix'), { rate: 10, count: 1, threads: 2 }),
      /options.threads: 2 threads for a count of 1/,
    ],
    [async () => threadTask('tasks.ts'), /module: expected the module's URL/],
  ])('refuses bad input, naming the option and the fix (%#)', async (call, message) => {
    await expect(call()).rejects.toThrow(message)
  })
})
