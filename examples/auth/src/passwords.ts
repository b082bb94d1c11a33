import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'

// scrypt at N = 2^12: a few ms a hash, so a 2-core machine can ramp logins. Production settings are higher
// (OWASP: N = 2^17); the cost only scales what the load tests measure, not what they prove.
const COST: ScryptOptions = { N: 4096, r: 8, p: 1 }
const KEY_LENGTH = 32

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, COST, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

/** `salt:hash`, both hex: what the users table stores. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  return `${salt.toString('hex')}:${(await derive(password, salt)).toString('hex')}`
}

/** Whether `password` matches a stored `salt:hash`, compared in constant time. */
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [salt, hash] = stored.split(':')
  if (salt === undefined || hash === undefined) return false
  const key = await derive(password, Buffer.from(salt, 'hex'))
  return timingSafeEqual(key, Buffer.from(hash, 'hex'))
}
