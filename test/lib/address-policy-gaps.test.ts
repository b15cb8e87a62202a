// Address policy gaps found in the security review of #13 item 2: IPv6 forms that carry a private IPv4
// address or reach a site's own translator, a cloud metadata address in public space, and localhost names
// an injected fetch would resolve itself. Nothing here opens a socket: every address comes from a literal,
// an injected DNS lookup or an injected fetch, and net.connect / tls.connect are watched.
import { createRequire } from 'node:module';
import type * as NetModule from 'node:net';
import type * as TlsModule from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addressRange } from '../../src/lib/address-policy.js';
import { createHttpClient } from '../../src/lib/http-client.js';
import type { LookupAddress } from '../../src/lib/http-transport.js';

const require = createRequire(import.meta.url);
const net = require('node:net') as typeof NetModule;
const tls = require('node:tls') as typeof TlsModule;

const GET = { accept: 'application/json', maxBytes: 4096 };

const GAPS: [string, string][] = [
  ['::ffff:0:127.0.0.1', 'loopback'],
  ['::ffff:0:a00:1', 'private'],
  ['::ffff:0:169.254.169.254', 'metadata'],
  ['64:ff9b:1::a00:1', 'private'],
  ['64:ff9b:1:ffff::1', 'private'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'reserved'],
  ['168.63.129.16', 'metadata'],
  ['::ffff:168.63.129.16', 'metadata'],
];

afterEach(() => vi.restoreAllMocks());

function watchSockets() {
  const tcp = vi.spyOn(net, 'connect');
  const secure = vi.spyOn(tls, 'connect');
  return () => tcp.mock.calls.length + secure.mock.calls.length;
}

describe('address policy: embedded and translated forms', () => {
  it('classifies IPv4-translated, local-use NAT64, Teredo and the Azure metadata address; public neighbours stay public', () => {
    for (const [address, range] of GAPS) expect(addressRange(address), address).toBe(range);
    for (const address of ['::ffff:0:93.184.216.34', '64:ff9b::5db8:d822', '2001:4860::8888', '168.63.129.17']) expect(addressRange(address), address).toBeUndefined();
  });

  it('refuses each when DNS answers it for a name, with ERR_ADDRESS_NOT_ALLOWED before any socket opens', async () => {
    const sockets = watchSockets();
    for (const [address, range] of GAPS) {
      const lookup = (): Promise<LookupAddress[]> => Promise.resolve([{ address, family: address.includes(':') ? 6 : 4 }]);
      const http = createHttpClient({ lookup, cooldownMs: 0 });
      await expect(http.get('https://mallory.example/s/1', GET), address).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: range });
      await http.close();
    }
    expect(sockets()).toBe(0);
  });
});

describe('localhost names under an injected fetch', () => {
  it('refuses localhost., *.localhost and *.localhost. as loopback with ERR_ADDRESS_NOT_ALLOWED; the fetch is never called', async () => {
    const called: string[] = [];
    const fetch = (url: string) => (called.push(url), Promise.resolve(new Response('{}')));
    const http = createHttpClient({ fetch, cooldownMs: 0 });
    for (const url of ['https://localhost./x', 'https://LOCALHOST../x', 'https://redis.localhost/x', 'https://a.b.localhost./x']) {
      await expect(http.get(url, GET), url).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: 'loopback' });
    }
    expect(called).toEqual([]);
    // A public name is the fetch's to carry, as before.
    await expect(http.get('https://localhost.example/x', GET)).resolves.toMatchObject({ status: 200 });
    expect(called).toEqual(['https://localhost.example/x']);
  });
});
