import { describe, expect, it } from 'vitest'
import { classifyAddress } from '@/lib/net/public-address'

const refused = (address: string) => {
  const verdict = classifyAddress(address)
  return verdict.public ? null : verdict.reason
}

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['93.184.215.14'],
    ['100.63.255.255'], // just below carrier-grade NAT
    ['100.128.0.0'], // just above it
    ['172.15.255.255'], // just below 172.16/12
    ['172.32.0.0'], // just above it
    ['192.0.3.1'],
    ['198.17.255.255'],
    ['198.20.0.0'],
    ['223.255.255.255'], // the last unicast address before multicast
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
    ['2a00:1450:4001:82a::200e'],
    ['::ffff:8.8.8.8'], // mapped, of a public address
    ['64:ff9b::808:808'], // NAT64 of 8.8.8.8
    ['2002:808:808::1'], // 6to4 of 8.8.8.8
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toEqual({ public: true })
  })

  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['0.0.0.0', 'a "this network" address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a link-local address'], // cloud metadata
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['100.127.255.255', 'a carrier-grade NAT address'],
    ['192.0.0.8', 'an IETF protocol address'],
    ['192.0.2.10', 'a documentation address'],
    ['198.18.0.1', 'a benchmarking address'],
    ['198.51.100.7', 'a documentation address'],
    ['203.0.113.9', 'a documentation address'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['240.0.0.1', 'a reserved address'],
    ['255.255.255.255', 'the broadcast address'],
    ['::', 'the unspecified address'],
    ['::1', 'a loopback address'],
    ['0:0:0:0:0:0:0:1', 'a loopback address'],
    ['::ffff:127.0.0.1', 'a loopback address (as an IPv4-mapped IPv6 address)'],
    ['::ffff:7f00:1', 'a loopback address (as an IPv4-mapped IPv6 address)'],
    ['::ffff:10.0.0.1', 'a private address (as an IPv4-mapped IPv6 address)'],
    ['::ffff:169.254.169.254', 'a link-local address (as an IPv4-mapped IPv6 address)'],
    ['64:ff9b::7f00:1', 'a loopback address (as a NAT64 address)'],
    ['2002:c0a8:101::1', 'a private address (as a 6to4 address)'],
    ['::127.0.0.1', 'an IPv4-compatible address'],
    ['fc00::1', 'a unique-local address'],
    ['fd12:3456:789a::1', 'a unique-local address'],
    ['fe80::1', 'a link-local address'],
    ['FE80::abcd', 'a link-local address'],
    ['febf:ffff::1', 'a link-local address'],
    ['fec0::1', 'a site-local address'],
    ['ff02::1', 'a multicast address'],
    ['2001:db8::1', 'a documentation address'],
    ['2001::1', 'an IETF protocol address (Teredo, benchmarking, ORCHID)'],
    ['100::1', 'a discard-only address'],
    ['64:ff9b:1::1', 'a local-use NAT64 address'],
    ['4000::1', 'a reserved address'],
    ['1::1', 'a reserved address'],
  ])('%s is refused as %s', (address, reason) => {
    expect(refused(address)).toBe(reason)
  })

  it('refuses what is not an IP address', () => {
    for (const text of ['example.com', '', '127.1', '1.2.3.256', '[::1]', '::1::1', '0x7f000001']) expect(refused(text)).toBe('not an IP address')
  })
})
