import { isIP } from 'node:net'

// Is an IP address one that a user-supplied URL may make this server connect to? Only
// addresses routed on the public internet are: everything the IANA special-purpose registries
// (RFC 6890 and successors) mark as not globally reachable is refused, so a webhook URL cannot
// reach this machine, its private network, its cloud metadata service or a multicast group.
// IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by that address.

export type AddressVerdict = { public: true } | { public: false; reason: string }

type Range = readonly [prefix: bigint, bits: number, reason: string]

const V4: readonly Range[] = (
  [
    ['0.0.0.0', 8, 'a "this network" address'],
    ['10.0.0.0', 8, 'a private address'],
    ['100.64.0.0', 10, 'a carrier-grade NAT address'],
    ['127.0.0.0', 8, 'a loopback address'],
    ['169.254.0.0', 16, 'a link-local address'],
    ['172.16.0.0', 12, 'a private address'],
    ['192.0.0.0', 24, 'an IETF protocol address'],
    ['192.0.2.0', 24, 'a documentation address'],
    ['192.88.99.0', 24, 'a 6to4 relay address'],
    ['192.168.0.0', 16, 'a private address'],
    ['198.18.0.0', 15, 'a benchmarking address'],
    ['198.51.100.0', 24, 'a documentation address'],
    ['203.0.113.0', 24, 'a documentation address'],
    ['224.0.0.0', 4, 'a multicast address'],
    ['240.0.0.0', 4, 'a reserved address'],
  ] as const
).map(([a, bits, reason]) => [v4ToBigInt(a), bits, reason] as const)

const V6: readonly Range[] = (
  [
    ['::', 128, 'the unspecified address'],
    ['::1', 128, 'a loopback address'],
    ['::', 96, 'an IPv4-compatible address'],
    ['64:ff9b:1::', 48, 'a local-use NAT64 address'],
    ['100::', 64, 'a discard-only address'],
    ['2001::', 23, 'an IETF protocol address (Teredo, benchmarking, ORCHID)'],
    ['2001:db8::', 32, 'a documentation address'],
    ['3fff::', 20, 'a documentation address'],
    ['5f00::', 16, 'a segment-routing address'],
    ['fc00::', 7, 'a unique-local address'],
    ['fe80::', 10, 'a link-local address'],
    ['fec0::', 10, 'a site-local address'],
    ['ff00::', 8, 'a multicast address'],
  ] as const
).map(([a, bits, reason]) => [v6ToBigInt(a)!, bits, reason] as const)

function v4ToBigInt(address: string): bigint {
  return address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n)
}

/** The 128-bit value of a valid IPv6 address (with an optional trailing dotted IPv4), else null. */
function v6ToBigInt(address: string): bigint | null {
  if (isIP(address) !== 6) return null
  let text = address.toLowerCase()
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  const groups: string[] = []
  const halves = text.split('::')
  const parse = (half: string) => {
    if (!half) return []
    const out: string[] = []
    for (const part of half.split(':')) {
      if (part.includes('.')) {
        const v4 = Number(v4ToBigInt(part))
        out.push((v4 >>> 16).toString(16), (v4 & 0xffff).toString(16))
      } else out.push(part)
    }
    return out
  }
  const head = parse(halves[0])
  const tail = halves.length > 1 ? parse(halves[1]) : []
  groups.push(...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail)
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n)
}

const inRange = (value: bigint, width: number, [prefix, bits]: Range) => value >> BigInt(width - bits) === prefix >> BigInt(width - bits)

function classifyV4(value: bigint): AddressVerdict {
  if (value === 0xffffffffn) return { public: false, reason: 'the broadcast address' }
  const hit = V4.find((range) => inRange(value, 32, range))
  return hit ? { public: false, reason: hit[2] } : { public: true }
}

const MAPPED = v6ToBigInt('::ffff:0:0')!
const NAT64 = v6ToBigInt('64:ff9b::')!
const SIX_TO_FOUR = v6ToBigInt('2002::')!
const GLOBAL_UNICAST = v6ToBigInt('2000::')!

function classifyV6(value: bigint): AddressVerdict {
  const embedded = (v4: bigint, form: string): AddressVerdict => {
    const verdict = classifyV4(v4)
    return verdict.public ? verdict : { public: false, reason: `${verdict.reason} (as ${form})` }
  }
  if (value >> 32n === MAPPED >> 32n) return embedded(value & 0xffffffffn, 'an IPv4-mapped IPv6 address')
  if (value >> 32n === NAT64 >> 32n) return embedded(value & 0xffffffffn, 'a NAT64 address')
  if (value >> 112n === SIX_TO_FOUR >> 112n) return embedded((value >> 80n) & 0xffffffffn, 'a 6to4 address')
  const hit = V6.find((range) => inRange(value, 128, range))
  if (hit) return { public: false, reason: hit[2] }
  // Only 2000::/3 is allocated for global unicast; the rest is reserved.
  if (value >> 125n !== GLOBAL_UNICAST >> 125n) return { public: false, reason: 'a reserved address' }
  return { public: true }
}

/** Whether `address` (an IPv4 or IPv6 literal) is publicly routable, and if not, what it is. */
export function classifyAddress(address: string): AddressVerdict {
  const family = isIP(address)
  if (family === 4) return classifyV4(v4ToBigInt(address))
  if (family === 6) return classifyV6(v6ToBigInt(address)!)
  return { public: false, reason: 'not an IP address' }
}
