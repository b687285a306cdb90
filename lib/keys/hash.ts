import { createHash } from 'node:crypto'

/** How every key (user, admin, service) is stored and looked up: its SHA-256, hex. Keys are 256 random bits, so no salt or slow hash is needed. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}
