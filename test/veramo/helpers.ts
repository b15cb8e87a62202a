/**
 * Real Veramo agents for the plugin's tests: LegatePlugin beside Veramo's
 * KeyManager (kms-local, in memory), DIDManager (did:key provider) and
 * DIDResolverPlugin, created with `createAgent` and schema validation on.
 *
 *   acme (organization, a Legate Signer given to the plugin)
 *     └─ alice (agent of acme; her Legate Signer too, so she can delegate)
 *          └─ sub-agents: did:key identifiers the Veramo agent creates and signs for
 */

import { createAgent, type IAgentPlugin, type IDIDManager, type IKeyManager, type IPluginMethodMap, type IResolver, type TAgent } from '@veramo/core';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { getDidKeyResolver, KeyDIDProvider } from '@veramo/did-provider-key';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import type { Resolvable } from 'did-resolver';
import { LegateError } from '../../src/errors/index.js';
import { LegatePlugin, type ILegate, type LegatePluginOptions } from '../../src/veramo/index.js';
import { acme, alice, frozenClock, personaResolver } from '../fixtures.js';

export type LegateAgent = TAgent<ILegate & IResolver & IKeyManager & IDIDManager>;

export interface AgentSetup {
  /** Options of the LegatePlugin; default: acme's and alice's signers, the frozen clock, credentials' status not checked. */
  plugin?: LegatePluginOptions;
  /** What the agent's DIDResolverPlugin resolves did:web with; default the personas. */
  webResolver?: Resolvable;
  /** Leave the DIDResolverPlugin out. */
  noResolver?: boolean;
  /** Leave the KeyManager and DIDManager out. */
  noKeys?: boolean;
  schemaValidation?: boolean;
  /** More Veramo plugins (e.g. Veramo's own CredentialPlugin). */
  extraPlugins?: IAgentPlugin[];
  /** Agent method overrides (Veramo's `overrides`). */
  overrides?: IPluginMethodMap;
}

/** A Veramo agent with the Legate plugin. */
export function legateAgent(setup: AgentSetup = {}): LegateAgent {
  const web = setup.webResolver ?? personaResolver();
  const plugins = [
    new LegatePlugin({ signers: [acme.signer, alice.signer], clock: frozenClock(), checkStatus: false, ...setup.plugin }),
    ...(setup.noKeys === true
      ? []
      : [
          new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
          new DIDManager({ store: new MemoryDIDStore(), defaultProvider: 'did:key', providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) } }),
        ]),
    ...(setup.noResolver === true ? [] : [new DIDResolverPlugin({ ...getDidKeyResolver(), web: (did: string) => web.resolve(did) })]),
    ...(setup.extraPlugins ?? []),
  ];
  return createAgent<ILegate & IResolver & IKeyManager & IDIDManager>({
    plugins,
    schemaValidation: setup.schemaValidation ?? true,
    ...(setup.overrides === undefined ? {} : { overrides: setup.overrides }),
  });
}

/** A did:key identifier the agent creates, with an Ed25519 key in its local KMS. */
export async function agentDidKey(agent: LegateAgent): Promise<string> {
  const identifier = await agent.didManagerCreate({ provider: 'did:key', kms: 'local' });
  return identifier.did;
}

/** The LegateError a call rejects with (failing the test when it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<LegateError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LegateError) return error;
    throw error;
  }
  throw new Error('expected a LegateError, the call succeeded');
}

export const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];

/** The value as it would arrive from a remote agent. */
export const overJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export const BANK = 'did:web:bank.example';
export const NONCE = 'n-0S6_WzA2Mj';

/** The JWT of an issued credential (the default format), failing the test for another form. */
export function jwtOf(issued: { format: string; secured: unknown }): string {
  if (issued.format === 'di' || typeof issued.secured !== 'string') throw new Error(`expected a JWT, got format ${issued.format}`);
  return issued.secured;
}
