/**
 * @module server/peer-gate
 *
 * Who is asking, before anything they sent is verified, and whether they may
 * ask at all (#18 item 3). The peer of a request nothing has verified yet is
 * its client address, `ip:<address>`: the connection's, or, only when the
 * connection comes from one of the `trustedProxies`, the right-most address
 * of `X-Forwarded-For` that is not itself a trusted proxy (the left-most
 * entries are whatever the client wrote). A peer past the failed
 * authentication limit is refused with `ERR_PEER_THROTTLED` (429,
 * `Retry-After`) before its body is read; each refusal a route answers for
 * bad credentials counts against it (node/alerts/service). Throttle state is
 * per instance.
 */

import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AlertService } from '../node/alerts/service.js';

/** Admits a request's peer, and counts its failed authentications. */
export interface PeerGate {
  /**
   * The request's peer (`ip:<address>`), admitted.
   * @throws LegateError `ERR_PEER_THROTTLED` for a peer past the limit.
   */
  admit(c: Context): string;
  /** Counts one failed authentication of `peer`. */
  failed(peer: string): void;
}

/** IPv4-mapped IPv6 (`::ffff:192.0.2.1`) as the IPv4 address it is. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped === null ? address : mapped[1]!;
}

/** The proxies as a block list; undefined for none. */
export function proxyList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

const isTrusted = (proxies: BlockList, address: string): boolean => {
  const family = isIP(address);
  return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

/** The connection's address; `unknown` in process (`app.request()`), where there is no socket. */
function connectionAddress(c: Context): string {
  try {
    const address = getConnInfo(c).remote.address;
    return address === undefined ? 'unknown' : plain(address);
  } catch {
    return 'unknown';
  }
}

/**
 * The client's address: the connection's, unless that is a trusted proxy;
 * then the right-most `X-Forwarded-For` entry that is not one (an entry
 * that is not an address stops the walk at the proxy that added it).
 */
export function clientAddress(c: Context, proxies: BlockList | undefined): string {
  const direct = connectionAddress(c);
  if (proxies === undefined || !isTrusted(proxies, direct)) return direct;
  const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').slice(-32);
  let client = direct;
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = plain(forwarded[i]!.trim());
    if (isIP(hop) === 0) break;
    client = hop;
    if (!isTrusted(proxies, hop)) break;
  }
  return client;
}

/** The peer of a request with no connection address (in process). */
const UNKNOWN_PEER = 'ip:unknown';

/** The gate of one app, over its node's alert service. */
export function createPeerGate(alerts: AlertService, trustedProxies: readonly string[] = []): PeerGate {
  const proxies = proxyList(trustedProxies);
  return {
    admit(c) {
      const peer = `ip:${clientAddress(c, proxies)}`;
      // In process (app.request(), no socket) there is no address to hold to account: such calls share no peer.
      if (peer !== UNKNOWN_PEER) alerts.admit(peer);
      return peer;
    },
    failed(peer) {
      if (peer !== UNKNOWN_PEER) alerts.observe({ kind: 'auth_failed', peer });
    },
  };
}

/**
 * Whether an OAuth or AuthZEN answer refused the caller's credentials (400
 * or 401), not counting the DPoP nonce challenge every first request meets.
 */
export function refusedCredentials(response: { status: number; body: unknown }): boolean {
  if (response.status !== 400 && response.status !== 401) return false;
  const body = response.body;
  return !(typeof body === 'object' && body !== null && (body as { code?: unknown }).code === 'ERR_DPOP_NONCE');
}
