/**
 * @module lib/address-policy
 *
 * Which IP addresses Legate's outbound HTTP client may connect to. Anyone can
 * name a URL in a credential (a status list, a did:web), so a node that
 * fetched whatever it was told could be steered at its own network: the
 * loopback interface, private ranges (RFC 1918), link-local and unique-local
 * IPv6, carrier-grade NAT (RFC 6598), cloud metadata endpoints. Those ranges
 * are refused for every scheme, also when they hide inside an IPv6 form
 * (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 64:ff9b::/96 and
 * 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32).
 * Loopback is allowed only on the existing opt-in (`allowHttpLoopback`);
 * anything else only through an explicit `allow` callback. Internal.
 */

import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is not public: the name of the range it falls in. */
export type AddressRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'metadata'
  | 'multicast'
  | 'reserved';

/** What the client may connect to beyond public unicast addresses. */
export interface AddressPolicy {
  /** Loopback (127/8, ::1): the `allowHttpLoopback` opt-in, for tests and local demos. */
  allowLoopback: boolean;
  /** Explicitly allows an address of a refused range (a deployment on a private network). */
  allow?: ((address: string, range: AddressRange) => boolean) | undefined;
}

/** An IPv4 block: network as a 32-bit number, prefix length, range. */
type V4Block = readonly [number, number, AddressRange];

/** IPv4 blocks, most specific first (the metadata address lies inside link-local). */
const V4_BLOCKS: readonly V4Block[] = [
  [ip4(169, 254, 169, 254), 32, 'metadata'],
  // Azure's WireServer: inside a VM it serves the platform's metadata and agent endpoints, from public space.
  [ip4(168, 63, 129, 16), 32, 'metadata'],
  [ip4(0, 0, 0, 0), 8, 'unspecified'],
  [ip4(10, 0, 0, 0), 8, 'private'],
  [ip4(100, 64, 0, 0), 10, 'shared'],
  [ip4(127, 0, 0, 0), 8, 'loopback'],
  [ip4(169, 254, 0, 0), 16, 'link-local'],
  [ip4(172, 16, 0, 0), 12, 'private'],
  [ip4(192, 0, 0, 0), 24, 'reserved'],
  [ip4(192, 0, 2, 0), 24, 'reserved'],
  [ip4(192, 168, 0, 0), 16, 'private'],
  [ip4(198, 18, 0, 0), 15, 'reserved'],
  [ip4(198, 51, 100, 0), 24, 'reserved'],
  [ip4(203, 0, 113, 0), 24, 'reserved'],
  [ip4(224, 0, 0, 0), 4, 'multicast'],
  [ip4(240, 0, 0, 0), 4, 'reserved'],
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function classifyV4(value: number): AddressRange | undefined {
  for (const [network, prefix, range] of V4_BLOCKS) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if (((value & mask) >>> 0) === network) return range;
  }
  return undefined;
}

function parseV4(address: string): number {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return ip4(a, b, c, d);
}

/** The 16 bytes of an IPv6 address (already validated by `isIPv6`), zone id dropped. */
function parseV6(input: string): Uint8Array {
  let address = input.split('%')[0]!;
  const bytes = new Uint8Array(16);
  // A dotted IPv4 tail (`::ffff:10.0.0.1`) becomes two hextets.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (tail !== null) {
    const v4 = parseV4(tail[1]!);
    address = `${address.slice(0, tail.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function v4At(bytes: Uint8Array, offset: number): number {
  return ip4(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

function zeros(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** fd00:ec2::254, the AWS instance metadata service over IPv6. */
const AWS_METADATA_V6 = parseV6('fd00:ec2::254');

function classifyV6(bytes: Uint8Array): AddressRange | undefined {
  if (bytes.every((b, i) => b === AWS_METADATA_V6[i])) return 'metadata';
  if (zeros(bytes, 0, 10)) {
    // ::, ::1, then IPv4-compatible ::a.b.c.d and IPv4-mapped ::ffff:a.b.c.d: judged as the IPv4 address.
    if (zeros(bytes, 10, 16)) return 'unspecified';
    if (zeros(bytes, 10, 15) && bytes[15] === 1) return 'loopback';
    if ((bytes[10] === 0xff && bytes[11] === 0xff) || (bytes[10] === 0 && bytes[11] === 0)) return classifyV4(v4At(bytes, 12));
  }
  // IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 7915): a translator delivers it to the IPv4 address.
  if (zeros(bytes, 0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && bytes[10] === 0 && bytes[11] === 0) return classifyV4(v4At(bytes, 12));
  // 64:ff9b:1::/48, the local-use NAT64 prefix (RFC 8215): only a site's own translator serves it.
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && bytes[4] === 0x00 && bytes[5] === 0x01) return 'private';
  // 2001::/32, Teredo: the IPv4 server and client hide in it (obfuscated); nothing Legate talks to lives there.
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0x00 && bytes[3] === 0x00) return 'reserved';
  // NAT64 well-known prefix 64:ff9b::/96 and 6to4 2002::/16 carry an IPv4 address a gateway would reach.
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(bytes, 4, 12)) return classifyV4(v4At(bytes, 12));
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return classifyV4(v4At(bytes, 2));
  if (bytes[0] === 0xff) return 'multicast';
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return 'link-local';
  // fec0::/10, deprecated site-local: private by another name.
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0xc0) return 'private';
  if ((bytes[0]! & 0xfe) === 0xfc) return 'unique-local';
  // 2001:db8::/32 documentation, 100::/64 discard.
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0x0d && bytes[3] === 0xb8) return 'reserved';
  if (bytes[0] === 0x01 && bytes[1] === 0x00 && zeros(bytes, 2, 8)) return 'reserved';
  return undefined;
}

/**
 * The non-public range `address` (an IP literal, IPv6 without brackets) falls
 * in; undefined for a public unicast address. Not an IP: `reserved`.
 */
export function addressRange(address: string): AddressRange | undefined {
  if (isIPv4(address)) return classifyV4(parseV4(address));
  if (isIPv6(address)) return classifyV6(parseV6(address));
  return 'reserved';
}

/** The range that makes `address` refused under `policy`, or undefined when it may be contacted. */
export function refusedRange(address: string, policy: AddressPolicy): AddressRange | undefined {
  const range = addressRange(address);
  if (range === undefined) return undefined;
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  if (policy.allow !== undefined && policy.allow(address, range) === true) return undefined;
  return range;
}

/** `host` as an IP literal (URL brackets removed), or undefined for a name. */
export function ipLiteral(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIPv4(bare) || isIPv6(bare) ? bare : undefined;
}
