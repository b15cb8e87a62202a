// Signing with keys the Veramo agent manages (did:key, kms-local), through
// keyManagerSign: acme -> alice -> sub -> sub2, where sub and sub2 exist only
// in the agent's key manager.
import { describe, expect, it } from 'vitest';
import type { Capability } from '../../src/credential/types.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { publicKeyFromDidKey } from '../../src/did/key.js';
import { acme, alice, frozenClock, personaResolver } from '../fixtures.js';
import { agentDidKey, codes, jwtOf, legateAgent, rejection } from './helpers.js';

const refund = (max: number): Capability => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: max, currency: 'USD' } } });
const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { alg: string; kid: string; typ: string };
const legateOptions = { resolver: personaResolver(), clock: frozenClock() };

describe('signing with a Veramo-managed did:key', () => {
  it('issues as the did:key: kid is its verification method, and Legate verifies the token', async () => {
    const agent = legateAgent();
    const did = await agentDidKey(agent);
    const fingerprint = did.slice('did:key:'.length);
    const issued = await agent.legateIssueCapabilityCredential({ issuer: did, subject: { id: alice.did, owner: alice.owner, capabilities: [refund(10)] } });
    expect(header(jwtOf(issued))).toEqual({ alg: 'EdDSA', kid: `${did}#${fingerprint}`, typ: 'vc+jwt' });
    expect(await verifyCapabilityCredential(jwtOf(issued), legateOptions)).toMatchObject({ verified: true, errors: [], issuer: did });
  });

  it('chooses the key by its Veramo kid or by its verification method id; another kid is ERR_KEY_UNAVAILABLE', async () => {
    const agent = legateAgent();
    const did = await agentDidKey(agent);
    const [key] = (await agent.didManagerGet({ did })).keys;
    expect(Buffer.from(key!.publicKeyHex, 'hex')).toEqual(Buffer.from(publicKeyFromDidKey(did)!));
    const subject = { id: alice.did, owner: alice.owner, capabilities: [refund(10)] };
    const method = `${did}#${did.slice('did:key:'.length)}`;
    for (const kid of [key!.kid, method]) {
      const jwt = jwtOf(await agent.legateIssueCapabilityCredential({ issuer: did, kid, subject }));
      expect(header(jwt).kid).toBe(method);
    }
    expect(await rejection(agent.legateIssueCapabilityCredential({ issuer: did, kid: `${did}#other`, subject }))).toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', claim: 'kid' });
  });

  it('delegates twice with agent keys: a three-link chain that Legate verifies', async () => {
    const agent = legateAgent();
    const sub = await agentDidKey(agent);
    const sub2 = await agentDidKey(agent);
    const root = await agent.legateIssueCapabilityCredential({
      issuer: acme.did,
      subject: { id: alice.did, owner: alice.owner, capabilities: [refund(100)], delegation: { depth: 0, maxDepth: 2 } },
    });
    const child = await agent.legateDelegateCapability({ parent: jwtOf(root), to: sub, capabilities: [refund(50)] });
    const grandchild = await agent.legateDelegateCapability({ parent: jwtOf(child), to: sub2, capabilities: [refund(5)] });
    expect(grandchild.credential.issuer).toBe(sub);
    const chain = await verifyChain([jwtOf(grandchild), jwtOf(root), jwtOf(child)], legateOptions);
    expect(chain.errors).toEqual([]);
    expect(chain.attribution.map((a) => a.id)).toEqual([acme.did, alice.owner, alice.did, sub, sub2]);
    expect((await agent.legateVerifyChain({ credentials: [jwtOf(root), jwtOf(child), jwtOf(grandchild)] })).verified).toBe(true);
  });

  it('refuses a key manager answer that is not a valid EdDSA signature of the data: ERR_KEY_UNAVAILABLE', async () => {
    const otherKey = legateAgent();
    const foreign = await agentDidKey(otherKey);
    const agent = legateAgent({
      // Signs with another did:key's key: well-formed, but not this key's signature.
      overrides: { keyManagerSign: async (args: { data: string; encoding: string }) => signWith(otherKey, foreign, args) },
    });
    const did = await agentDidKey(agent);
    const result = await rejection(agent.legateIssueCapabilityCredential({ issuer: did, subject: { id: alice.did, owner: alice.owner, capabilities: [refund(1)] } }));
    expect(result).toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', claim: 'kid' });

    const garbled = legateAgent({ overrides: { keyManagerSign: () => Promise.resolve('0xdeadbeef') } });
    const did2 = await agentDidKey(garbled);
    const answer = await rejection(garbled.legateIssueCapabilityCredential({ issuer: did2, subject: { id: alice.did, owner: alice.owner, capabilities: [refund(1)] } }));
    expect(answer.code).toBe('ERR_KEY_UNAVAILABLE');
  });

  it('without a key manager, only the Legate signers given to the plugin can sign', async () => {
    const keyless = legateAgent({ noKeys: true });
    const did = await agentDidKey(legateAgent());
    const subject = { id: alice.did, owner: alice.owner, capabilities: [refund(1)] };
    expect(await rejection(keyless.legateIssueCapabilityCredential({ issuer: did, subject }))).toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', claim: 'issuer' });
    const jwt = jwtOf(await keyless.legateIssueCapabilityCredential({ issuer: acme.did, subject }));
    expect(codes(await keyless.legateVerifyCapabilityCredential({ credential: jwt }))).toEqual([]);
  });
});

async function signWith(agent: ReturnType<typeof legateAgent>, did: string, args: { data: string; encoding: string }): Promise<string> {
  const [key] = (await agent.didManagerGet({ did })).keys;
  return agent.keyManagerSign({ keyRef: key!.kid, algorithm: 'EdDSA', data: args.data, encoding: args.encoding as 'base16' });
}
