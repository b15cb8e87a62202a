// Property: any one-character edit of a signed thing (proof, access token, nonce) is refused; nothing verifies by accident.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LegateError } from '../../src/errors/index.js';
import { issueAccessToken, verifyAccessToken } from '../../src/oauth/access-token.js';
import { createDpopProof, generateDpopKey, verifyDpopProof } from '../../src/oauth/dpop.js';
import { createNonceIssuer } from '../../src/oauth/nonce.js';
import { AUTHORIZATION_DETAILS_TYPE } from '../../src/oauth/types.js';
import { acme, alice, frozenClock } from '../fixtures.js';

const clock = frozenClock();
const htu = 'https://api.bank.example/payments';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

/** `text` with the character at `index` replaced by another from the JWS alphabet. */
function edit(text: string, index: number, pick: number, alphabet = ALPHABET): string {
  const i = index % text.length;
  const others = alphabet.replace(text[i]!, '');
  return `${text.slice(0, i)}${others[pick % others.length]}${text.slice(i + 1)}`;
}

async function refusedCode(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    if (error instanceof LegateError) return error.code;
    throw error;
  }
}

describe('one-character edits never verify (properties)', () => {
  it('DPoP proofs, EdDSA and ES256', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const key = generateDpopKey(alg);
      const proof = await createDpopProof({ key, htm: 'POST', htu, clock, accessToken: 'a.b.c' });
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), async (index, pick) => {
          const edited = edit(proof, index, pick);
          const code = await refusedCode(() => verifyDpopProof(edited, { htm: 'POST', htu, clock, accessToken: 'a.b.c', expectedJkt: key.jkt }));
          expect(['ERR_DPOP_INVALID', 'ERR_DPOP_NONCE']).toContain(code);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('access tokens', async () => {
    const { token } = await issueAccessToken({
      signer: acme.signer,
      issuer: 'https://acme.example',
      audience: 'https://api.bank.example/',
      clientId: alice.did,
      sub: alice.owner,
      act: { sub: alice.did },
      authorizationDetails: [{ type: AUTHORIZATION_DETAILS_TYPE, action: 'pay', resource: 'bank:acct' }],
      jkt: generateDpopKey().jkt,
      lifetimeSeconds: 300,
      clock,
    });
    const options = {
      issuers: ['https://acme.example'],
      audience: 'https://api.bank.example/',
      key: () => Promise.resolve(acme.signer.publicKey),
      clock,
    };
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (index, pick) => {
        expect(await refusedCode(() => verifyAccessToken(edit(token, index, pick), options))).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });

  it('nonces', () => {
    const nonces = createNonceIssuer({ key: new Uint8Array(32).fill(5), lifetimeSeconds: 300, clock });
    const nonce = nonces.issue();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (index, pick) => {
        expect(nonces.check(edit(nonce, index, pick, ALPHABET.slice(0, -1)))).toBe('invalid');
      }),
      { numRuns: 300 },
    );
  });
});
