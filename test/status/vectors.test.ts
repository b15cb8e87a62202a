// W3C test vectors: test/vectors/bitstring-status-list/*.jsonld, from
// w3c/vc-bitstring-status-list-test-suite fixtures/status-credentials/ (parent
// of commit 2c74c28af3bb1f11619c0cc98ae98dbe43cbfafe); see test/vectors/README.md.
// Unsigned list credentials whose encodedList has no multibase `u` prefix.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getBit } from '../../src/status/bitstring.js';
import { createStatusChecker } from '../../src/status/check.js';
import { readStatusList } from '../../src/status/list-credential.js';
import { acme, frozenClock, personaResolver } from '../fixtures.js';
import { codes, credentialWith, listServer, REVOCATION_URL, revocationEntry, suspensionEntry, thrown } from './helpers.js';

const VECTORS = new URL('../vectors/bitstring-status-list/', import.meta.url);
const vector = (name: string) => JSON.parse(readFileSync(new URL(`${name}.jsonld`, VECTORS), 'utf8')) as Record<string, unknown>;

const SET = [201, 57444, 94023];
const CLEAR = [0, 200, 202, 57443, 57445, 94022, 94024, 199_999];

describe('W3C Bitstring Status List vectors', () => {
  for (const name of ['single-purpose-ok', 'multi-purpose-ok']) {
    it(`${name}: bits 201, 57444 and 94023 are set, others are not`, () => {
      const list = readStatusList(vector(name));
      expect(list.length).toBe(200_000);
      for (const index of SET) expect(getBit(list.bits, index)).toBe(true);
      for (const index of CLEAR) expect(getBit(list.bits, index)).toBe(false);
    });
  }

  it('single-purpose-ok serves revocation; multi-purpose-ok serves revocation and suspension', () => {
    expect(readStatusList(vector('single-purpose-ok')).purposes).toEqual(['revocation']);
    expect(readStatusList(vector('multi-purpose-ok')).purposes).toEqual(['revocation', 'suspension']);
  });

  it('short-encoded-list-fail: ERR_STATUS_LIST_LENGTH', async () => {
    expect((await thrown(() => readStatusList(vector('short-encoded-list-fail')))).code).toBe('ERR_STATUS_LIST_LENGTH');
  });

  for (const name of ['single-purpose-fail', 'multi-purpose-fail']) {
    it(`${name}: unknown purposes are ERR_STATUS_PURPOSE`, async () => {
      const error = await thrown(() => readStatusList(vector(name)));
      expect(error.code).toBe('ERR_STATUS_PURPOSE');
      expect(error.reason).toBe('unknown');
    });
  }
});

describe('W3C vectors through the checker (unsigned lists allowed, as for a decoder)', () => {
  // The vectors name no id or issuer; the served copy adds acme's, so only the list itself is on trial.
  const served = (name: string) => JSON.stringify({ ...vector(name), id: REVOCATION_URL, issuer: acme.did });
  const checkerFor = (name: string, allowUnsigned = true) =>
    createStatusChecker({
      resolver: personaResolver(),
      clock: frozenClock(),
      allowUnsigned,
      fetch: listServer({ [REVOCATION_URL]: { body: served(name), contentType: 'application/vc+ld+json' } }).fetch,
    });

  it('multi-purpose-ok: revoked and suspended at 94023, clear at 94024', async () => {
    const checker = checkerFor('multi-purpose-ok');
    const credential = credentialWith([revocationEntry(94023), suspensionEntry(94023, REVOCATION_URL)]);
    expect(codes(await checker.statusErrors(credential))).toEqual(['ERR_REVOKED', 'ERR_SUSPENDED']);
    expect(await checker.statusErrors(credentialWith([revocationEntry(94024)]))).toEqual([]);
  });

  it('single-purpose-ok: a suspension entry does not match a revocation list: ERR_STATUS_PURPOSE', async () => {
    const errors = await checkerFor('single-purpose-ok').statusErrors(credentialWith([suspensionEntry(201, REVOCATION_URL)]));
    expect(codes(errors)).toEqual(['ERR_STATUS_PURPOSE']);
    expect(errors[0]!.reason).toBe('mismatch');
  });

  it('*-purpose-fail and short-encoded-list-fail are rejected with their codes', async () => {
    const credential = credentialWith([revocationEntry(201)]);
    expect(codes(await checkerFor('single-purpose-fail').statusErrors(credential))).toEqual(['ERR_STATUS_PURPOSE']);
    expect(codes(await checkerFor('multi-purpose-fail').statusErrors(credential))).toEqual(['ERR_STATUS_PURPOSE']);
    expect(codes(await checkerFor('short-encoded-list-fail').statusErrors(credential))).toEqual(['ERR_STATUS_LIST_LENGTH']);
  });

  it('refuses the same unsigned list when unsigned lists are not allowed', async () => {
    const errors = await checkerFor('single-purpose-ok', false).statusErrors(credentialWith([revocationEntry(201)]));
    expect(codes(errors)).toEqual(['ERR_STATUS_UNAVAILABLE']);
    expect(errors[0]!.reason).toBe('ERR_MALFORMED');
  });
});
