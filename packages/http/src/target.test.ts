import { describe, expect, it } from 'vitest'
import { checkTarget, isLocalAddress } from './target.js'

describe('isLocalAddress', () => {
  it('accepts loopback and container networks, refuses the rest', () => {
    for (const a of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '10.0.0.5',
      '172.17.0.2',
      '172.31.255.1',
      '192.168.1.1',
    ]) {
      expect(isLocalAddress(a), a).toBe(true)
    }
    expect(isLocalAddress('::ffff:127.0.0.1')).toBe(true)
    expect(isLocalAddress('fd12:3456::1')).toBe(true)
    for (const a of ['8.8.8.8', '172.32.0.1', '93.184.216.34', '2001:db8::1', '11.0.0.1']) {
      expect(isLocalAddress(a), a).toBe(false)
    }
  })
})

describe('checkTarget', () => {
  it('lets loopback and container URLs through', async () => {
    await expect(checkTarget('http://127.0.0.1:8080/x', false)).resolves.toBeInstanceOf(URL)
    await expect(checkTarget('http://localhost:1/', false)).resolves.toBeInstanceOf(URL)
    await expect(checkTarget('http://[::1]:1/', false)).resolves.toBeInstanceOf(URL)
    await expect(checkTarget('http://172.17.0.3:5432/', false)).resolves.toBeInstanceOf(URL)
  })

  it('refuses a remote target without opt-in, naming the argument', async () => {
    await expect(checkTarget('http://8.8.8.8/', false)).rejects.toThrowError(
      'options.url: 8.8.8.8 is not a loopback or container address; Faultline loads only those unless you pass allowRemote: true',
    )
    await expect(checkTarget('http://8.8.8.8/', true)).resolves.toBeInstanceOf(URL)
  })

  it('refuses what is not an http URL', async () => {
    await expect(checkTarget('not a url', false)).rejects.toThrowError(
      'options.url: must be an http(s) URL, got not a url',
    )
    await expect(checkTarget('ftp://127.0.0.1/', false)).rejects.toThrowError(
      'options.url: must be an http(s) URL',
    )
  })
})
