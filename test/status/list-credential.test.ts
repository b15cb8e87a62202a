import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { createList, getBit, setBit } from '../../src/status/bitstring.js';
import { readStatusEntries, statusEntry } from '../../src/status/entry.js';
import {
  buildStatusListCredential,
  issueStatusListCredential,
  readStatusList,
  verifyStatusListCredential,
} from '../../src/status/list-credential.js';
import { acme, aliceSubject, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';
import { codes, DAY_MS, REVOCATION_URL, signedList, thrown } from './helpers.js';

const decodePayload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const verify = (jwt: string, at = NOW) => verifyStatusListCredential(jwt, { resolver: personaResolver(), clock: frozenClock(at) });

describe('status list credential: build, issue, verify', () => {
  it('builds the VCDM 2.0 shape of §2.2', () => {
    const bits = createList();
    setBit(bits, 3, true);
    const credential = buildStatusListCredential({
      id: REVOCATION_URL,
      issuer: acme.did,
      purpose: 'suspension',
      bits,
      validFrom: NOW,
      validUntil: new Date(NOW.getTime() + DAY_MS),
      ttlMs: 60_000,
    });
    expect(credential).toEqual({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: REVOCATION_URL,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: acme.did,
      validFrom: '2026-03-02T10:00:00Z',
      validUntil: '2026-03-03T10:00:00Z',
      credentialSubject: {
        id: `${REVOCATION_URL}#list`,
        type: 'BitstringStatusList',
        statusPurpose: 'suspension',
        encodedList: credential.credentialSubject.encodedList,
        ttl: 60_000,
      },
    });
    expect(credential.credentialSubject.encodedList).toMatch(/^uH4sI/);
    expect(getBit(readStatusList(credential).bits, 3)).toBe(true);
  });

  it('writes a default ttl of five minutes', () => {
    const credential = buildStatusListCredential({ id: REVOCATION_URL, issuer: acme.did, purpose: 'revocation', bits: createList(), validFrom: NOW });
    expect(credential.credentialSubject.ttl).toBe(300_000);
    expect(credential.validUntil).toBeUndefined();
  });

  it('issues a vc+jwt that verifies against the issuer DID and the schema', async () => {
    const { jwt, credential } = await issueStatusListCredential({
      id: REVOCATION_URL,
      issuer: acme.did,
      signer: acme.signer,
      purpose: 'revocation',
      bits: createList(),
      clock: frozenClock(),
    });
    expect(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8'))).toEqual({
      alg: 'EdDSA',
      kid: `${acme.did}#key-1`,
      typ: 'vc+jwt',
    });
    expect(decodePayload(jwt)).toEqual(credential);
    const result = await verify(jwt);
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.issuer).toBe(acme.did);
  });

  it('reports an expired list: ERR_EXPIRED', async () => {
    const jwt = await signedList();
    expect(codes((await verify(jwt, new Date(NOW.getTime() + 2 * DAY_MS))).errors)).toEqual(['ERR_EXPIRED']);
  });

  it('reports a list that breaks its schema: ERR_SCHEMA', async () => {
    const payload = decodePayload(await signedList());
    (payload.credentialSubject as Record<string, unknown>).ttl = -5;
    const jwt = await signCompactJws(payload, acme.signer, { typ: 'vc+jwt' });
    expect(codes((await verify(jwt)).errors)).toEqual(['ERR_SCHEMA']);
  });

  it('accepts a StatusList2021Credential-typed list', async () => {
    const payload = decodePayload(await signedList({ set: [7] }));
    payload['@context'] = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/vc/status-list/2021/v1'];
    payload.type = ['VerifiableCredential', 'StatusList2021Credential'];
    (payload.credentialSubject as Record<string, unknown>).type = 'StatusList2021';
    const jwt = await signCompactJws(payload, acme.signer, { typ: 'vc+jwt' });
    const result = await verify(jwt);
    expect(result.errors).toEqual([]);
    expect(getBit(readStatusList(result.credential).bits, 7)).toBe(true);
  });

  it('rejects a subject type that does not match the credential type: ERR_SCHEMA, ERR_MALFORMED', async () => {
    const payload = decodePayload(await signedList());
    (payload.credentialSubject as Record<string, unknown>).type = 'StatusList2021';
    const jwt = await signCompactJws(payload, acme.signer, { typ: 'vc+jwt' });
    expect(new Set(codes((await verify(jwt)).errors))).toEqual(new Set(['ERR_SCHEMA']));
    expect((await thrown(() => readStatusList(payload))).code).toBe('ERR_MALFORMED');
  });

  it('refuses bad input when issuing', async () => {
    const base = { id: REVOCATION_URL, issuer: acme.did, signer: acme.signer, purpose: 'revocation' as const, bits: createList() };
    expect((await thrown(() => issueStatusListCredential({ ...base, signer: mallory.signer }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issueStatusListCredential({ ...base, id: 'not a url' }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issueStatusListCredential({ ...base, id: `${REVOCATION_URL}#x` }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issueStatusListCredential({ ...base, purpose: 'refresh' as 'revocation' }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issueStatusListCredential({ ...base, ttlMs: -1 }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issueStatusListCredential({ ...base, validFrom: NOW, validUntil: NOW }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issueStatusListCredential({ ...base, bits: new Uint8Array(100) }))).code).toBe('ERR_STATUS_LIST_LENGTH');
    expect((await thrown(() => issueStatusListCredential({ ...base, issuer: 'acme' }))).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('reads a ttl, purposes and validUntil; rejects a bad ttl: ERR_MALFORMED', async () => {
    const payload = decodePayload(await signedList({ ttlMs: 1234 }));
    const list = readStatusList(payload);
    expect(list).toMatchObject({ id: REVOCATION_URL, issuer: acme.did, purposes: ['revocation'], ttlMs: 1234, length: 131_072 });
    expect(list.validUntil).toBe(NOW.getTime() + DAY_MS);
    (payload.credentialSubject as Record<string, unknown>).ttl = 'soon';
    expect((await thrown(() => readStatusList(payload))).code).toBe('ERR_MALFORMED');
    expect((await thrown(() => readStatusList('list'))).code).toBe('ERR_MALFORMED');
    expect((await thrown(() => readStatusList({ type: ['VerifiableCredential'] }))).code).toBe('ERR_MALFORMED');
  });
});

describe('status entries', () => {
  it('writes a BitstringStatusListEntry (§2.1)', () => {
    expect(statusEntry(REVOCATION_URL, 94023, 'revocation')).toEqual({
      id: `${REVOCATION_URL}#94023`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94023',
      statusListCredential: REVOCATION_URL,
    });
    expect(() => statusEntry(REVOCATION_URL, -1, 'revocation')).toThrow(RangeError);
    expect(() => statusEntry('ftp://acme.example/list', 1, 'revocation')).toThrow(TypeError);
    expect(() => statusEntry(REVOCATION_URL, 1, 'message' as 'revocation')).toThrow(RangeError);
  });

  it('reads one entry or an array, both entry types, and ignores other status types', () => {
    const entry = statusEntry(REVOCATION_URL, 5, 'revocation');
    expect(readStatusEntries({ credentialStatus: entry })).toEqual({
      entries: [{ entry, purpose: 'revocation', index: 5, listUrl: REVOCATION_URL }],
      errors: [],
    });
    const legacy = { ...statusEntry(REVOCATION_URL, 6, 'suspension'), type: 'StatusList2021Entry' };
    const other = { id: 'https://acme.example/other', type: 'CredentialStatusList2017' };
    const { entries, errors } = readStatusEntries({ credentialStatus: [entry, legacy, other] });
    expect(errors).toEqual([]);
    expect(entries.map((e) => [e.entry.type, e.index, e.purpose])).toEqual([
      ['BitstringStatusListEntry', 5, 'revocation'],
      ['StatusList2021Entry', 6, 'suspension'],
    ]);
    expect(readStatusEntries({})).toEqual({ entries: [], errors: [] });
    expect(readStatusEntries({ credentialStatus: [] })).toEqual({ entries: [], errors: [] });
  });

  it('reports each malformed entry with its code and place', () => {
    const good = statusEntry(REVOCATION_URL, 5, 'revocation');
    const { entries, errors } = readStatusEntries({
      credentialStatus: [
        good,
        { ...good, statusListIndex: '-1' },
        { ...good, statusListIndex: 7 },
        { ...good, statusListIndex: '99999999999999999' },
        { ...good, statusListCredential: 'did:web:acme.example' },
        { ...good, statusSize: 2 },
        { ...good, statusPurpose: 'refresh' },
        'not an entry',
      ],
    });
    expect(entries).toHaveLength(1);
    expect(errors.map((e) => [e.code, e.claim])).toEqual([
      ['ERR_MALFORMED', 'credentialStatus/1/statusListIndex'],
      ['ERR_MALFORMED', 'credentialStatus/2/statusListIndex'],
      ['ERR_MALFORMED', 'credentialStatus/3/statusListIndex'],
      ['ERR_MALFORMED', 'credentialStatus/4/statusListCredential'],
      ['ERR_MALFORMED', 'credentialStatus/5/statusSize'],
      ['ERR_STATUS_PURPOSE', 'credentialStatus/6/statusPurpose'],
      ['ERR_MALFORMED', 'credentialStatus/7'],
    ]);
  });

  it('bounds the number of entries: ERR_MALFORMED', () => {
    const many = Array.from({ length: 9 }, (_, i) => statusEntry(REVOCATION_URL, i, 'revocation'));
    expect(codes(readStatusEntries({ credentialStatus: many }).errors)).toEqual(['ERR_MALFORMED']);
  });

  it('fits the capability credential schema', async () => {
    const { credential } = await issueCapabilityCredential({
      issuer: acme.did,
      signer: acme.signer,
      subject: aliceSubject(),
      credentialStatus: [statusEntry(REVOCATION_URL, 94023, 'revocation')],
      clock: frozenClock(),
    });
    expect(readStatusEntries(credential).entries[0]!.index).toBe(94023);
  });
});
