import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  ACE_SERVICE_TYPE,
  agentDidFromDomain,
  buildAgentDidDocument,
  buildOrganizationDidDocument,
  didWebToUrl,
  findVerificationMethod,
  isLoopbackHost,
  orgDidFromDomain,
} from '../../src/did/index.js';
import { isLegateError } from '../../src/errors/index.js';
import { ed25519FromVerificationMethod, ed25519ToMultibase } from '../../src/lib/multikey.js';

const CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'];

// Fixed personas: acme (alice's org), alice and bob (agents), mallory (attacker).
const acmeKey1 = ed25519.getPublicKey(new Uint8Array(32).fill(0x01));
const acmeKey2 = ed25519.getPublicKey(new Uint8Array(32).fill(0x02));
const aliceKey = ed25519.getPublicKey(new Uint8Array(32).fill(0xa1));

function invalidArgument(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    return isLegateError(error, 'ERR_INVALID_ARGUMENT');
  }
  return false;
}

describe('orgDidFromDomain', () => {
  it.each([
    ['acme.example', 'did:web:acme.example'],
    ['Acme.Example', 'did:web:acme.example'],
    ['localhost', 'did:web:localhost'],
    ['localhost:7401', 'did:web:localhost%3A7401'],
    ['127.0.0.1:7401', 'did:web:127.0.0.1%3A7401'],
    ['sub.acme-corp.example:65535', 'did:web:sub.acme-corp.example%3A65535'],
    ['xn--bcher-kva.example', 'did:web:xn--bcher-kva.example'],
    ['[::1]:7401', 'did:web:%5B%3A%3A1%5D%3A7401'],
    ['[0:0:0:0:0:0:0:1]', 'did:web:%5B%3A%3A1%5D'],
  ])('%s → %s', (domain, did) => {
    expect(orgDidFromDomain(domain)).toBe(did);
  });

  it.each([
    '',
    'https://acme.example',
    'acme.example/path',
    'alice@acme.example',
    'alice:pw@acme.example',
    'acme.example:',
    'acme.example:0',
    'acme.example:65536',
    'acme.example:07401',
    'acme.example:80:81',
    'acme.example:abc',
    'acme.example.',
    '.acme.example',
    'acme..example',
    '-acme.example',
    'acme-.example',
    'acme_corp.example',
    'acme example',
    'acme.example?x=1',
    'acme.example#frag',
    'acme%2eexample',
    'bücher.example',
    `${'a'.repeat(64)}.example`,
    `${'a.'.repeat(127)}example`,
    '256.0.0.1',
    '127.0.0.01',
    '1.2.3',
    'acme.0x7f',
    'acme.123',
    '[::1',
    '[fe80::1%25eth0]',
    '[not-ipv6]',
    'x'.repeat(100_000),
  ])('rejects %j', (domain) => {
    expect(invalidArgument(() => orgDidFromDomain(domain))).toBe(true);
  });

  it('does not echo huge input in the message', () => {
    try {
      orgDidFromDomain(`${'x'.repeat(100_000)}/`);
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200);
    }
  });

  it('throws TypeError for a non-string', () => {
    expect(() => orgDidFromDomain(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('agentDidFromDomain', () => {
  it('appends :agents:<name>', () => {
    expect(agentDidFromDomain('acme.example', 'alice')).toBe('did:web:acme.example:agents:alice');
    expect(agentDidFromDomain('localhost:7401', 'bob-2')).toBe('did:web:localhost%3A7401:agents:bob-2');
    expect(agentDidFromDomain('acme.example', `a${'b'.repeat(62)}`)).toMatch(/:agents:ab{62}$/);
  });

  it.each(['', 'Alice', '-alice', 'alice_1', 'alice/..', 'alice:x', 'al ice', `a${'b'.repeat(63)}`])(
    'rejects name %j',
    (name) => {
      expect(invalidArgument(() => agentDidFromDomain('acme.example', name))).toBe(true);
    },
  );

  it('rejects a bad domain', () => {
    expect(invalidArgument(() => agentDidFromDomain('acme.example/x', 'alice'))).toBe(true);
  });
});

describe('didWebToUrl', () => {
  it('maps a bare host to /.well-known/did.json over https', () => {
    expect(didWebToUrl('did:web:acme.example')?.href).toBe('https://acme.example/.well-known/did.json');
  });

  it('maps path segments to /a/b/did.json', () => {
    expect(didWebToUrl('did:web:acme.example:agents:alice')?.href).toBe('https://acme.example/agents/alice/did.json');
    expect(didWebToUrl('did:web:acme.example%3A8443:a:b')?.href).toBe('https://acme.example:8443/a/b/did.json');
  });

  it('uses http only for loopback hosts when opted in', () => {
    const on = { allowHttpLoopback: true };
    expect(didWebToUrl('did:web:localhost%3A7401', on)?.href).toBe('http://localhost:7401/.well-known/did.json');
    expect(didWebToUrl('did:web:127.0.0.1%3A7401:agents:bob', on)?.href).toBe('http://127.0.0.1:7401/agents/bob/did.json');
    expect(didWebToUrl('did:web:127.200.3.4', on)?.protocol).toBe('http:');
    expect(didWebToUrl('did:web:%5B%3A%3A1%5D%3A7401', on)?.href).toBe('http://[::1]:7401/.well-known/did.json');
  });

  it('refuses http for non-loopback hosts even when opted in', () => {
    const on = { allowHttpLoopback: true };
    for (const did of ['did:web:acme.example', 'did:web:mallory.example%3A80', 'did:web:10.0.0.1', 'did:web:localhost.mallory.example', 'did:web:128.0.0.1']) {
      expect(didWebToUrl(did, on)?.protocol).toBe('https:');
    }
  });

  it('uses https for loopback hosts when not opted in', () => {
    expect(didWebToUrl('did:web:localhost%3A7401')?.href).toBe('https://localhost:7401/.well-known/did.json');
    expect(didWebToUrl('did:web:127.0.0.1%3A7401', { allowHttpLoopback: false })?.protocol).toBe('https:');
  });

  it.each([
    'did:web:',
    'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
    'did:web:acme.example#key-1',
    'did:web:acme.example?x=1',
    'did:web:acme.example/path',
    'did:web:acme.example:',
    'did:web:acme.example::x',
    'did:web:acme.example:..:secret',
    'did:web:acme.example:.',
    'did:web:acme.example:a%2Fb',
    'did:web:acme%2Eexample',
    'did:web:mallory.example%40acme.example',
    'did:web:acme.example%3A99999',
    'did:web:acme.example%3A',
    'did:web:1.2.3',
    `did:web:acme.example:${'a'.repeat(3000)}`,
  ])('returns undefined for %j', (did) => {
    expect(didWebToUrl(did)).toBeUndefined();
  });

  it('round-trips orgDidFromDomain', () => {
    expect(didWebToUrl(orgDidFromDomain('Acme.Example:8443'))?.href).toBe('https://acme.example:8443/.well-known/did.json');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[::1]', true],
    ['::1', true],
    ['localhost.mallory.example', false],
    ['127.0.0.1.mallory.example', false],
    ['127.0.0.256', false],
    ['0.0.0.0', false],
    ['[::2]', false],
    ['acme.example', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('buildOrganizationDidDocument', () => {
  const did = orgDidFromDomain('acme.example');

  it('lists Multikey methods under authentication and assertionMethod', () => {
    const doc = buildOrganizationDidDocument({ did, keys: [{ kid: `${did}#key-1`, publicKey: acmeKey1 }] });
    expect(doc).toEqual({
      '@context': CONTEXT,
      id: did,
      verificationMethod: [
        { id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: ed25519ToMultibase(acmeKey1) },
      ],
      authentication: [`${did}#key-1`],
      assertionMethod: [`${did}#key-1`],
    });
    const method = findVerificationMethod(doc, `${did}#key-1`, 'assertionMethod');
    expect(ed25519FromVerificationMethod(method)).toEqual(acmeKey1);
  });

  it('keeps rotated keys and restricts assertionMethod to assertionKids', () => {
    const doc = buildOrganizationDidDocument({
      did,
      keys: [
        { kid: `${did}#key-1`, publicKey: acmeKey1 },
        { kid: '#key-2', publicKey: acmeKey2 },
      ],
      assertionKids: ['#key-2'],
    });
    expect(doc.verificationMethod?.map((m) => m.id)).toEqual([`${did}#key-1`, `${did}#key-2`]);
    expect(doc.authentication).toEqual([`${did}#key-1`, `${did}#key-2`]);
    expect(doc.assertionMethod).toEqual([`${did}#key-2`]);
  });

  it('works for a loopback did with a port', () => {
    const local = orgDidFromDomain('localhost:7401');
    const doc = buildOrganizationDidDocument({ did: local, keys: [{ kid: `${local}#key-1`, publicKey: acmeKey1 }] });
    expect(doc.id).toBe('did:web:localhost%3A7401');
    expect(doc.assertionMethod).toEqual(['did:web:localhost%3A7401#key-1']);
  });

  it('rejects bad input', () => {
    const key = { kid: `${did}#key-1`, publicKey: acmeKey1 };
    expect(invalidArgument(() => buildOrganizationDidDocument({ did, keys: [] }))).toBe(true);
    expect(invalidArgument(() => buildOrganizationDidDocument({ did: 'did:key:z6Mk', keys: [key] }))).toBe(true);
    expect(invalidArgument(() => buildOrganizationDidDocument({ did, keys: [{ ...key, kid: 'did:web:mallory.example#key-1' }] }))).toBe(true);
    expect(invalidArgument(() => buildOrganizationDidDocument({ did, keys: [{ ...key, kid: 'key-1' }] }))).toBe(true);
    expect(invalidArgument(() => buildOrganizationDidDocument({ did, keys: [{ ...key, kid: `${did}#` }] }))).toBe(true);
    expect(invalidArgument(() => buildOrganizationDidDocument({ did, keys: [key, { ...key, publicKey: acmeKey2 }] }))).toBe(true);
    expect(invalidArgument(() => buildOrganizationDidDocument({ did, keys: [key], assertionKids: ['#key-9'] }))).toBe(true);
    expect(() => buildOrganizationDidDocument({ did, keys: [{ ...key, publicKey: new Uint8Array(31) }] })).toThrow(RangeError);
  });
});

describe('buildAgentDidDocument', () => {
  const org = orgDidFromDomain('acme.example');
  const did = agentDidFromDomain('acme.example', 'alice');

  it('is controlled by the org, with its own key and an ACE service entry', () => {
    const doc = buildAgentDidDocument({
      did,
      controller: org,
      key: { kid: `${did}#key-1`, publicKey: aliceKey },
      serviceEndpoint: 'https://acme.example/ace',
    });
    expect(doc).toEqual({
      '@context': CONTEXT,
      id: did,
      controller: org,
      verificationMethod: [
        { id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: ed25519ToMultibase(aliceKey) },
      ],
      authentication: [`${did}#key-1`],
      assertionMethod: [`${did}#key-1`],
      service: [{ id: `${did}#ace`, type: ACE_SERVICE_TYPE, serviceEndpoint: 'https://acme.example/ace' }],
    });
    expect(ACE_SERVICE_TYPE).toBe('LegateAceEndpoint');
    expect(ed25519FromVerificationMethod(findVerificationMethod(doc, '#key-1', 'authentication'))).toEqual(aliceKey);
  });

  it('accepts an http endpoint only for a loopback host', () => {
    const local = agentDidFromDomain('127.0.0.1:7401', 'bob');
    const base = { did: local, controller: orgDidFromDomain('127.0.0.1:7401'), key: { kid: '#key-1', publicKey: aliceKey } };
    expect(buildAgentDidDocument({ ...base, serviceEndpoint: 'http://127.0.0.1:7401/ace' }).service?.[0]?.serviceEndpoint).toBe(
      'http://127.0.0.1:7401/ace',
    );
    expect(invalidArgument(() => buildAgentDidDocument({ ...base, serviceEndpoint: 'http://acme.example/ace' }))).toBe(true);
  });

  it('rejects bad input', () => {
    const base = { did, controller: org, key: { kid: `${did}#key-1`, publicKey: aliceKey }, serviceEndpoint: 'https://acme.example/ace' };
    expect(invalidArgument(() => buildAgentDidDocument({ ...base, did: 'did:web:acme.example/agents/alice' }))).toBe(true);
    expect(invalidArgument(() => buildAgentDidDocument({ ...base, controller: 'mallory' }))).toBe(true);
    expect(invalidArgument(() => buildAgentDidDocument({ ...base, controller: did }))).toBe(true);
    expect(invalidArgument(() => buildAgentDidDocument({ ...base, key: { kid: `${org}#key-1`, publicKey: aliceKey } }))).toBe(true);
    expect(invalidArgument(() => buildAgentDidDocument({ ...base, key: { kid: '#ace', publicKey: aliceKey } }))).toBe(true);
    for (const serviceEndpoint of ['/ace', 'ftp://acme.example/ace', 'https://alice:pw@acme.example/ace', 'https://acme.example/ace#x', 'not a url']) {
      expect(invalidArgument(() => buildAgentDidDocument({ ...base, serviceEndpoint }))).toBe(true);
    }
  });
});
