import 'server-only'
import { lookup } from 'node:dns/promises'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { rootCertificates } from 'node:tls'
import { classifyAddress, type AddressVerdict } from '@/lib/net/public-address'
import { AppError } from '@/lib/errors'

// Requests to URLs that users type in (alert webhooks), safe from server-side request forgery.
//
// A URL is accepted only if it is https and every address its host resolves to is public
// (lib/net/public-address.ts). At send time the host is resolved again and checked again, and
// the connection goes to exactly the addresses checked: the socket's DNS lookup is replaced by
// one that answers them, so a second resolution (DNS rebinding: public when saved, 127.0.0.1
// when sent) can never choose the address. TLS still verifies the certificate against the
// URL's host name (SNI and Host come from the URL), so pinning the address weakens nothing.

export type ResolvedAddress = { address: string; family: 4 | 6 }
/** Resolves a host name to all its addresses; injectable so tests can play DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>

/**
 * How requests reach the network. Defaults: the system resolver, the public-address rule,
 * Node's CAs. Tests inject DNS answers, and a rule and CA that let them reach a local receiver.
 */
export type NetworkPolicy = { resolve?: Resolver; classify?: (address: string) => AddressVerdict; ca?: string }

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))

/** A URL refused for a user to point this server at: the one error type, with the field named. */
export class UnsafeUrlError extends AppError {
  constructor(message: string) {
    super('invalid_request', message, { param: 'url' })
  }
}

const MAX_URL_LENGTH = 2_048
const RESOLVE_TIMEOUT_MS = 3_000

/** Parses `text` as a URL a user may point this server at, or throws UnsafeUrlError saying why not. */
export function parsePublicHttpsUrl(text: string): URL {
  if (text.length > MAX_URL_LENGTH) throw new UnsafeUrlError(`The URL is longer than ${MAX_URL_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UnsafeUrlError('That is not a URL')
  }
  if (url.protocol !== 'https:') throw new UnsafeUrlError('The URL must start with https://')
  if (url.username || url.password) throw new UnsafeUrlError('The URL must not contain a user name or password')
  return url
}

/**
 * Every address `url`'s host resolves to, each checked to be public; throws UnsafeUrlError
 * naming the first that is not (or saying the name does not resolve).
 */
export async function resolvePublicAddresses(url: URL, { resolve = systemResolver, classify = classifyAddress }: NetworkPolicy = {}): Promise<ResolvedAddress[]> {
  // URL keeps brackets around an IPv6 host; an IP literal needs no DNS.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const family = isIP(host)
  let addresses: ResolvedAddress[]
  if (family) addresses = [{ address: host, family: family as 4 | 6 }]
  else {
    let timer: NodeJS.Timeout | undefined
    try {
      addresses = await Promise.race([
        resolve(host),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), RESOLVE_TIMEOUT_MS))),
      ])
    } catch (error) {
      throw new UnsafeUrlError(`${host} could not be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    } finally {
      clearTimeout(timer)
    }
    if (addresses.length === 0) throw new UnsafeUrlError(`${host} does not resolve to any address`)
  }
  for (const { address } of addresses) {
    const verdict = classify(address)
    if (!verdict.public) {
      const what = family ? `${host} is ${verdict.reason}` : `${host} resolves to ${address}, ${verdict.reason}`
      throw new UnsafeUrlError(`${what}; only public addresses are allowed`)
    }
  }
  return addresses
}

/** A socket lookup that answers only `addresses` (already checked), whatever it is asked. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses
    if (wanted.length === 0) return callback(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }), '', 4)
    if (options.all) return (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, wanted)
    callback(null, wanted[0].address, wanted[0].family)
  }
}

export type PostOptions = { headers: Record<string, string>; body: string; timeoutMs: number; policy?: NetworkPolicy }

/**
 * POSTs `body` to `url`, connecting only to the public addresses checked just now. Resolves
 * to the HTTP status (redirects are not followed); throws UnsafeUrlError for a URL that is
 * not allowed, and the network's error otherwise.
 */
export async function postToPublicUrl(urlText: string, options: PostOptions): Promise<number> {
  const url = parsePublicHttpsUrl(urlText)
  const addresses = await resolvePublicAddresses(url, options.policy)
  const ca = options.policy?.ca
  return new Promise<number>((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        lookup: pinnedLookup(addresses),
        agent: false,
        // Node's own roots stay trusted beside the extra one.
        ...(ca ? { ca: [...rootCertificates, ca] } : {}),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        // Only the status matters; the body is read and dropped so the socket can close.
        response.resume()
        response.on('end', () => resolve(response.statusCode ?? 0))
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(options.body)
  })
}
