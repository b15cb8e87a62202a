/**
 * @module veramo/plugin
 *
 * `LegatePlugin`: a Veramo `IAgentPlugin` that gives an agent Legate's
 * capability credentials — issue, delegate, verify (a credential, a chain,
 * a presentation), authorize an action, check status, query the trust
 * registry — by calling Legate's library functions. It signs with the
 * Legate `Signer`s it is given or with Ed25519 keys the agent manages, and
 * resolves DIDs through the agent's `resolveDid` when there is one. Veramo
 * is only a type dependency: this module loads without `@veramo/*`.
 */

import type { IAgentPlugin } from '@veramo/core';
import type { Resolvable } from 'did-resolver';
import { createDidResolver } from '../did/resolver.js';
import type { Signer } from '../keys/signer.js';
import { assertFunction, isRecord } from '../lib/assert.js';
import { authorizeRequest } from './authorize.js';
import { delegate } from './delegate.js';
import { issue } from './issue.js';
import { present, verifyPresented } from './presentation.js';
import { queryTrust } from './query.js';
import { agentHas, agentResolver, createRuntime, type CallScope, type LegatePluginOptions, type Runtime } from './runtime.js';
import { schema } from './schema.js';
import { checkStatus } from './status.js';
import type { ILegate, LegateContext } from './types.js';
import { verifyCredential, verifyDelegationChain } from './verify.js';

type Operation<R> = (args: unknown, scope: CallScope) => Promise<R>;

/** Stands in for an agent's resolver while options are checked at construction; never called. */
const UNUSED_RESOLVER: Resolvable = { resolve: () => Promise.reject(new Error('not a resolver')) };

function checkSigners(value: unknown): readonly Signer[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError('signers must be an array of Signers');
  value.forEach((signer: unknown, i) => {
    if (!isRecord(signer) || signer.alg !== 'EdDSA' || typeof signer.kid !== 'string' || !signer.kid.includes('#')) {
      throw new TypeError(`signers[${i}] must be a Legate Signer (alg EdDSA, kid a DID URL)`);
    }
    assertFunction(signer.sign, `signers[${i}].sign`);
  });
  return Object.freeze([...(value as Signer[])]);
}

/**
 * A Veramo agent plugin for Legate.
 *
 * @throws TypeError / RangeError at construction for invalid options.
 *
 * @example
 * ```ts
 * import { createAgent } from '@veramo/core';
 * import { DIDResolverPlugin } from '@veramo/did-resolver';
 * import { LegatePlugin, type ILegate } from 'legate/veramo';
 *
 * const agent = createAgent<ILegate>({
 *   plugins: [new LegatePlugin({ signers: [orgSigner] }), new DIDResolverPlugin({ resolver })],
 * });
 * const { secured } = await agent.legateIssueCapabilityCredential({ issuer: orgDid, subject });
 * const result = await agent.legateVerifyCapabilityCredential({ credential: secured });
 * result.verified; // else result.errors: [{ code: 'ERR_REVOKED', message }, …]
 * ```
 */
export class LegatePlugin implements IAgentPlugin {
  readonly methods: ILegate;
  readonly schema = schema;

  readonly #options: LegatePluginOptions;
  readonly #signers: readonly Signer[];
  /** Every agent's runtime when the options name a resolver. */
  readonly #explicit: Runtime | undefined;
  /** One runtime (resolver, status and trust caches) per agent that resolves DIDs itself. */
  readonly #perAgent = new WeakMap<object, Runtime>();
  /** The runtime of agents without `resolveDid`, on Legate's own resolver; built when first needed. */
  #fallback: Runtime | undefined;

  constructor(options: LegatePluginOptions = {}) {
    const given: unknown = options;
    if (!isRecord(given)) throw new TypeError('options must be an object');
    this.#signers = checkSigners(options.signers);
    const resolver: unknown = options.resolver;
    if (resolver !== undefined && (!isRecord(resolver) || typeof resolver.resolve !== 'function')) {
      throw new TypeError('resolver must be a DID resolver (an object with resolve)');
    }
    this.#options = { ...options };
    // Invalid status or trust options fail here, not at the first call.
    const runtime = createRuntime(this.#options, options.resolver ?? UNUSED_RESOLVER);
    this.#explicit = options.resolver === undefined ? undefined : runtime;

    const bind =
      <R>(operation: Operation<R>) =>
      (args: unknown, context: LegateContext): Promise<R> =>
        operation(args, this.#scope(context));
    this.methods = {
      legateIssueCapabilityCredential: bind(issue),
      legateDelegateCapability: bind(delegate),
      legateVerifyCapabilityCredential: bind(verifyCredential),
      legateVerifyChain: bind(verifyDelegationChain),
      legateCreatePresentation: bind(present),
      legateVerifyPresentation: bind(verifyPresented),
      legateAuthorize: bind(authorizeRequest),
      legateCheckCredentialStatus: bind(checkStatus),
      legateQueryTrustRegistry: bind(queryTrust),
    };
  }

  #scope(context: LegateContext): CallScope {
    const agent = isRecord(context) ? context.agent : undefined;
    return { runtime: this.#runtime(agent), signers: this.#signers, agent };
  }

  #runtime(agent: LegateContext['agent'] | undefined): Runtime {
    if (this.#explicit !== undefined) return this.#explicit;
    if (agent !== undefined && agentHas(agent, 'resolveDid')) {
      let runtime = this.#perAgent.get(agent);
      if (runtime === undefined) {
        runtime = createRuntime(this.#options, agentResolver(agent));
        this.#perAgent.set(agent, runtime);
      }
      return runtime;
    }
    // No resolver anywhere: Legate's own (did:key offline, did:web over HTTPS).
    this.#fallback ??= createRuntime(this.#options, createDidResolver());
    return this.#fallback;
  }
}
