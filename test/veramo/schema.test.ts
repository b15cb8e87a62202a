// Bad arguments: refused by Veramo's schema validation when the agent has it
// on, and by the plugin's own readers (ERR_INVALID_ARGUMENT, naming the
// argument) when it does not, or when a remote caller skips it.
import { readdirSync, readFileSync } from 'node:fs';
import { ValidationError } from '@veramo/core';
import { describe, expect, it } from 'vitest';
import { LegatePlugin, legatePluginSchema } from '../../src/veramo/index.js';
import { acme, alice, aliceSubject, mallory } from '../fixtures.js';
import { legateAgent, rejection, type LegateAgent } from './helpers.js';

const DID = mallory.did;

/** One bad call per method: what Veramo's validator reports, and the argument the plugin names. */
const cases: { method: keyof LegateAgent & `legate${string}`; args: Record<string, unknown>; veramo: string; claim: string }[] = [
  { method: 'legateIssueCapabilityCredential', args: { subject: aliceSubject() }, veramo: 'OBJECT_MISSING_REQUIRED_PROPERTY', claim: 'issuer' },
  { method: 'legateIssueCapabilityCredential', args: { issuer: acme.did, subject: aliceSubject(), validUntill: '2027-01-01T00:00:00Z' }, veramo: 'OBJECT_ADDITIONAL_PROPERTIES', claim: 'validUntill' },
  { method: 'legateIssueCapabilityCredential', args: { issuer: acme.did, subject: aliceSubject(), validFrom: 'tomorrow' }, veramo: '', claim: 'validFrom' },
  { method: 'legateDelegateCapability', args: { parent: 'x.y.z', to: DID, capabilities: 'everything' }, veramo: 'INVALID_TYPE', claim: 'capabilities' },
  { method: 'legateDelegateCapability', args: { parent: 'x.y.z', to: DID, capabilities: [{ action: 'read', resource: 'crm:x' }], maxDepth: 9 }, veramo: 'MAXIMUM', claim: 'maxDepth' },
  { method: 'legateVerifyCapabilityCredential', args: { credential: 42 }, veramo: 'INVALID_TYPE', claim: 'credential' },
  { method: 'legateVerifyChain', args: { credentials: [] }, veramo: 'ARRAY_LENGTH_SHORT', claim: 'credentials' },
  { method: 'legateCreatePresentation', args: { holder: DID, credentials: ['x.y.z'], audience: acme.did }, veramo: 'OBJECT_MISSING_REQUIRED_PROPERTY', claim: 'nonce' },
  { method: 'legateVerifyPresentation', args: { presentation: 'x.y.z', audience: acme.did, nonce: 'n', maxAgeSeconds: 0 }, veramo: 'MINIMUM', claim: 'maxAgeSeconds' },
  { method: 'legateAuthorize', args: { request: { action: 'read' }, chains: [['x.y.z']] }, veramo: 'OBJECT_MISSING_REQUIRED_PROPERTY', claim: 'request.resource' },
  { method: 'legateAuthorize', args: { request: { action: 'read', resource: 'crm:x' }, presentation: { presentation: 'x.y.z', audience: acme.did, nonce: 'n', aud: 'x' } }, veramo: 'OBJECT_ADDITIONAL_PROPERTIES', claim: 'presentation.aud' },
  { method: 'legateCheckCredentialStatus', args: {}, veramo: 'OBJECT_MISSING_REQUIRED_PROPERTY', claim: 'credential' },
  { method: 'legateQueryTrustRegistry', args: { entity: acme.did }, veramo: 'ANY_OF_MISSING', claim: 'authorization' },
];

describe('bad arguments', () => {
  it.each(cases)('$method $claim: Veramo refuses with $veramo', async ({ method, args, veramo }) => {
    const agent = legateAgent({ schemaValidation: true });
    const call = (agent[method] as (a: unknown) => Promise<unknown>)(args);
    if (veramo === '') {
      // Valid for the schema (a string); the plugin refuses it.
      expect(await rejection(call)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      return;
    }
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ method, code: veramo });
  });

  it.each(cases)('$method $claim: without schema validation, ERR_INVALID_ARGUMENT naming it', async ({ method, args, claim }) => {
    const agent = legateAgent({ schemaValidation: false });
    const error = await rejection((agent[method] as (a: unknown) => Promise<unknown>)(args));
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim });
  });

  it('refuses a call without an arguments object', async () => {
    const agent = legateAgent({ schemaValidation: false });
    expect(await rejection(agent.execute('legateVerifyChain', ['x.y.z']))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'args' });
  });
});

describe('the plugin schema', () => {
  it('declares every method with arguments and a return type that resolve to its schemas', () => {
    const plugin = new LegatePlugin();
    const schemas = legatePluginSchema.components.schemas as Record<string, unknown>;
    const methods = legatePluginSchema.components.methods as Record<string, unknown>;
    expect(Object.keys(methods).sort()).toEqual(Object.keys(plugin.methods).sort());
    const refs = JSON.stringify(legatePluginSchema).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of new Set(refs)) expect(schemas, ref).toHaveProperty(ref.slice('#/components/schemas/'.length));
    for (const name of Object.keys(schemas)) expect(name).toMatch(/^Legate/);
  });

  it('refuses invalid options at construction', () => {
    expect(() => new LegatePlugin({ signers: [{ kid: 'no-did' }] as never })).toThrow(TypeError);
    expect(() => new LegatePlugin({ resolver: {} as never })).toThrow(TypeError);
    expect(() => new LegatePlugin({ status: { onUnavailable: 'maybe' as never } })).toThrow(RangeError);
    expect(() => new LegatePlugin({ trust: { self: acme.did, anchors: [{ url: 'https://acme.example/registry/trust-list', issuer: acme.did, hops: 9 }] } })).toThrow(RangeError);
    expect(new LegatePlugin({ signers: [alice.signer] }).methods).toBeDefined();
  });
});

describe('Veramo is a type-only dependency', () => {
  it('src/veramo imports @veramo/* only as types, so the emitted JavaScript does not require Veramo', () => {
    const dir = new URL('../../src/veramo/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const veramo = [...source.matchAll(/^(import|export)\b[^;]*?from\s+'(@veramo\/[^']+)'/gms)].map((m) => m[0]);
      for (const statement of veramo) expect(statement, file).toMatch(/^(import|export) type\b/);
    }
  });
});
