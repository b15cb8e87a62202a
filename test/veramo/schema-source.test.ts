// The plugin's argument shapes have one source, schemas/plugin-arguments.json: the Veramo schema's
// argument components are derived from it, the plugin checks calls against them, and the TypeScript
// argument types must name exactly the properties the source names. Any divergence fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuthorizationRequest } from '../../src/capability/authorize.js';
import type { Capability, CapabilitySubject, Constraints, Money, StatusEntry } from '../../src/credential/types.js';
import { deriveComponents } from '../../src/veramo/derive.js';
import { legatePluginSchema } from '../../src/veramo/index.js';
import type {
  LegateAuthorizeArgs,
  LegateCreatePresentationArgs,
  LegateCredentialArgs,
  LegateDelegateArgs,
  LegateIssueArgs,
  LegateTrustQuery,
  LegateVerifyChainArgs,
  LegateVerifyPresentationArgs,
} from '../../src/veramo/types.js';
import { acme, aliceSubject } from '../fixtures.js';
import { legateAgent } from './helpers.js';

type Schema = { properties?: Record<string, unknown>; required?: string[]; additionalProperties?: unknown; anyOf?: unknown[] };
const read = (file: string) => JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')) as { $defs: Record<string, Schema>; properties: Record<string, Schema> };
const source = read('plugin-arguments.json').$defs;
const credential = read('agent-capability-credential.json');
const components = legatePluginSchema.components.schemas as Record<string, Schema>;

/** Every property name of T, each exactly once: a missing or an extra name is a type error. */
const keysOf =
  <T>() =>
  (keys: Record<keyof T, true>): string[] =>
    Object.keys(keys).sort();

const names = (schema: Schema | undefined) => Object.keys(schema?.properties ?? {}).sort();

describe('one source for the plugin arguments', () => {
  it('the Veramo schema holds exactly the components derived from schemas/plugin-arguments.json', () => {
    const derived = deriveComponents();
    for (const [name, schema] of Object.entries(derived)) expect(components[name], name).toEqual(schema);
    // Every $defs entry is a component with the same properties, required list and refusal of unknown properties.
    for (const [def, schema] of Object.entries(source)) {
      const component = components[`Legate${def[0]!.toUpperCase()}${def.slice(1)}`];
      expect(names(component), def).toEqual(names(schema));
      expect(component?.required, def).toEqual(schema.required);
      expect(component?.additionalProperties, def).toEqual(schema.additionalProperties);
    }
    // Every method's arguments are one of them.
    for (const [method, { arguments: args }] of Object.entries(legatePluginSchema.components.methods as Record<string, { arguments: { $ref: string } }>)) {
      expect(Object.keys(derived), method).toContain(args.$ref.replace('#/components/schemas/', ''));
    }
  });

  it('the TypeScript argument types name exactly the properties of their schemas', () => {
    const pairs: [string[], Schema | undefined][] = [
      [keysOf<LegateIssueArgs>()({ issuer: true, subject: true, kid: true, id: true, validFrom: true, validUntil: true, validFor: true, credentialStatus: true, format: true }), source.issueArgs],
      [keysOf<LegateDelegateArgs>()({ parent: true, to: true, capabilities: true, constraints: true, agent: true, maxDepth: true, validFor: true, id: true, credentialStatus: true, kid: true, format: true }), source.delegateArgs],
      [keysOf<LegateCredentialArgs>()({ credential: true }), source.credentialArgs],
      [keysOf<LegateVerifyChainArgs>()({ credentials: true }), source.verifyChainArgs],
      [keysOf<LegateCreatePresentationArgs>()({ holder: true, credentials: true, audience: true, nonce: true, lifetimeSeconds: true, kid: true }), source.createPresentationArgs],
      [keysOf<LegateVerifyPresentationArgs>()({ presentation: true, audience: true, nonce: true, maxAgeSeconds: true }), source.verifyPresentationArgs],
      [keysOf<LegateAuthorizeArgs>()({ request: true, presentation: true, chains: true, verifier: true, spent: true, recentCount: true, approved: true }), source.authorizeArgs],
      [keysOf<AuthorizationRequest>()({ action: true, resource: true, scope: true, amount: true }), source.authorizationRequest],
      [keysOf<Extract<LegateTrustQuery, { entity: string }>>()({ entity: true, authorization: true, depth: true }), source.authorizationQuery],
      [keysOf<Extract<LegateTrustQuery, { registry: string }>>()({ registry: true, recognized: true }), source.recognitionQuery],
      [keysOf<CapabilitySubject>()({ id: true, owner: true, lineage: true, agent: true, capabilities: true, constraints: true, delegation: true }), credential.properties.credentialSubject],
      [keysOf<Capability>()({ action: true, resource: true, scope: true, constraints: true }), credential.$defs.capability],
      [keysOf<Constraints>()({ maxAmount: true, budget: true, timeWindow: true, rateLimit: true, requireApproval: true, maxStatusAge: true, audience: true }), credential.$defs.constraints],
      [keysOf<Money>()({ value: true, currency: true }), credential.$defs.money],
      [keysOf<StatusEntry>()({ id: true, type: true, statusPurpose: true, statusListIndex: true, statusListCredential: true }), credential.$defs.status],
    ];
    for (const [typed, schema] of pairs) expect(typed).toEqual(names(schema));
  });

  it('refuses to derive what Veramo would read differently, instead of dropping it', () => {
    const file = (defs: Record<string, unknown>, more: Record<string, unknown> = {}) => (name: string) => (name === 'x.json' ? { $defs: defs } : more[name]);
    expect(() => deriveComponents('x.json', file({ pair: { type: 'array', prefixItems: [{ type: 'string' }] } }))).toThrow(/prefixItems/);
    expect(() => deriveComponents('x.json', file({ any: { type: 'object', properties: { a: true } } }))).toThrow(/boolean schemas/);
    expect(() => deriveComponents('x.json', file({ a: { $ref: '#/$defs/b', minLength: 1 }, b: { type: 'string' } }))).toThrow(/beside a \$ref/);
    expect(() => deriveComponents('x.json', file({ a: { $ref: 'https://example.com/s.json' } }))).toThrow(/cannot follow/);
    // Two schemas that would share a component name.
    const clash = file({ money: { type: 'string' }, b: { $ref: 'https://legate.dev/schemas/y/1.0.0.json#/$defs/money' } }, { 'y.json': { $defs: { money: { type: 'number' } } } });
    expect(() => deriveComponents('x.json', clash)).toThrow(/would both be LegateMoney/);
    // What does translate: const becomes enum, patterns and formats stay with Legate's own check.
    expect(deriveComponents('x.json', file({ t: { const: 'a', pattern: '^a$', format: 'uri' } }))).toEqual({ LegateT: { enum: ['a'] } });
  });

  it('lets a capability with maxStatusAge through Veramo validation (the hand-stated schema had lost it)', async () => {
    const agent = legateAgent({ schemaValidation: true });
    const subject = aliceSubject();
    subject.capabilities[0] = { ...subject.capabilities[0]!, constraints: { maxStatusAge: 'PT30S' } } as never;
    const issued = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject });
    expect(issued.credential.credentialSubject.capabilities[0]).toMatchObject({ constraints: { maxStatusAge: 'PT30S' } });
  });
});
