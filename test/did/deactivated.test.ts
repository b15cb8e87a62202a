// A deactivated DID (a retired agent's): bob's organization serves 410 for it, and nothing bob signs verifies
// any more, whichever resolver answers: Legate's own (did:web, cached or not) or a foreign one.
import type { DIDResolutionResult, Resolvable } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { createDidResolver, type FetchLike } from '../../src/did/index.js';
import { didSignature } from '../../src/did/signature.js';
import { decodeCompactJws, signCompactJws } from '../../src/lib/jws.js';
import { bob } from '../fixtures.js';

const BOB = bob.did;
const { signer, document: bobDocument } = bob;
const TYP = { typ: 'JWT' };
const check = { did: BOB, relationship: 'authentication', party: 'sender', didClaim: 'iss', what: 'message signature' } as const;

/** acme's node: bob's document while he is active, 410 once he is retired. */
function acmeFetch(state: { retired: boolean }): FetchLike {
  return () => Promise.resolve(state.retired ? new Response('gone', { status: 410 }) : new Response(JSON.stringify(bobDocument), { status: 200, headers: { 'content-type': 'application/did+json' } }));
}

describe('a deactivated DID', () => {
  it('verifies while active; once served as 410, ERR_DID_DEACTIVATED, cached or not', async () => {
    const token = decodeCompactJws(await signCompactJws({ iss: BOB }, signer, TYP));
    const state = { retired: false };
    expect((await didSignature(token, createDidResolver({ fetch: acmeFetch(state) }), check)).errors).toEqual([]);
    state.retired = true;
    const resolver = createDidResolver({ fetch: acmeFetch(state) });
    for (let i = 0; i < 2; i++) {
      const { errors } = await didSignature(token, resolver, check);
      expect(errors.map((e) => e.code)).toEqual(['ERR_DID_DEACTIVATED']);
      expect(errors[0]?.claim).toBe('iss');
    }
    // A token that names no key (VCDM 1.1 JWTs) is refused the same way.
    const noKid = decodeCompactJws(await signCompactJws({ iss: BOB }, { ...signer, kid: undefined as unknown as string }, TYP));
    expect((await didSignature(noKid, resolver, { ...check, kidOptional: true })).errors.map((e) => e.code)).toEqual(['ERR_DID_DEACTIVATED']);
  });

  it('through a foreign resolver that reports deactivated: true with the old document', async () => {
    const token = decodeCompactJws(await signCompactJws({ iss: BOB }, signer, TYP));
    const foreign: Resolvable = {
      resolve: (): Promise<DIDResolutionResult> => Promise.resolve({ didResolutionMetadata: {}, didDocument: bobDocument, didDocumentMetadata: { deactivated: true } }),
    };
    expect((await didSignature(token, foreign, check)).errors.map((e) => e.code)).toEqual(['ERR_DID_DEACTIVATED']);
  });

  it('a local lookup can say deactivated', async () => {
    const resolver = createDidResolver({ local: (did) => Promise.resolve(did === BOB ? 'deactivated' : undefined) });
    expect(await resolver.resolve(BOB)).toMatchObject({ didDocument: { id: BOB }, didDocumentMetadata: { deactivated: true } });
    expect((await resolver.resolve(BOB)).didDocument).not.toHaveProperty('verificationMethod');
  });
});
