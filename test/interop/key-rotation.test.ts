/**
 * After a key rotation, did-jwt-vc and a Veramo agent still verify a VCDM 1.1
 * credential acme (did:web:acme.example) issued to alice before it, resolving
 * acme's DID document from the node (which lists the old and the new key);
 * once the old key is revoked as compromised, they refuse it.
 */

import { createAgent as createVeramoAgent, type ICredentialPlugin, type IResolver, type TAgent } from '@veramo/core';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCompactJws } from '../../src/lib/jws.js';
import type { NodeContext } from '../../src/node/context.js';
import { issueToAgent } from '../../src/node/issue.js';
import { revokeKey } from '../../src/node/key-revoke.js';
import { rotateOrganizationKey } from '../../src/node/key-rotate.js';
import { acmeWithAlice } from '../node/acme.js';

const ACME = 'did:web:acme.example';

describe('VCDM 1.1 credentials across a rotation', () => {
  let node: NodeContext;
  let before: string;
  let veramo: TAgent<IResolver & ICredentialPlugin>;

  beforeAll(async () => {
    // Veramo and did-jwt-vc check validity against their own clocks: the node runs on the system clock.
    ({ node } = await acmeWithAlice('legate-interop-rotation-', () => new Date()));
    before = (await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }], validFor: 'P1D', format: 'jwt-vc1' })).jwt;
    await rotateOrganizationKey(node);
    veramo = createVeramoAgent<IResolver & ICredentialPlugin>({
      plugins: [new DIDResolverPlugin({ resolver: node.resolver }), new CredentialPlugin([new CredentialProviderJWT()])],
    });
  });
  afterAll(() => node.close());

  it('did-jwt-vc verifies the credential signed by the rotated-out key, and one signed by the new key', async () => {
    expect(decodeCompactJws(before).header.kid).toBe(`${ACME}#key-1`);
    const verified = await didJwtVcVerify(before, node.resolver);
    expect(verified.issuer).toBe(ACME);
    const after = (await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }], format: 'jwt-vc1' })).jwt;
    expect(decodeCompactJws(after).header.kid).toBe(`${ACME}#key-2`);
    expect((await didJwtVcVerify(after, node.resolver)).issuer).toBe(ACME);
  });

  it("Veramo's verifyCredential accepts it", async () => {
    const result = await veramo.verifyCredential({ credential: before });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('both refuse it once its key is revoked as compromised (the key has left the DID document)', async () => {
    await revokeKey(node, `${ACME}#key-1`, { compromisedSince: new Date(Date.now() + 3_600_000).toISOString() });
    await expect(didJwtVcVerify(before, node.resolver)).rejects.toThrow();
    expect((await veramo.verifyCredential({ credential: before })).verified).toBe(false);
  });
});
