/**
 * @module veramo/schema
 *
 * The plugin's method schema in Veramo's format (`components.schemas` and
 * `components.methods`, each method with its `arguments` and `returnType`),
 * which a Veramo agent created with `schemaValidation: true` checks every
 * call and result against, and which a remote agent publishes (OpenAPI).
 * Schema names start with `Legate` because Veramo merges every plugin's
 * schemas into one namespace. The arguments are not stated here: they are
 * derived (`derive.ts`) from their one source, `schemas/plugin-arguments.json`,
 * whose objects admit no unknown properties, so a misspelt `validUntil`
 * fails instead of issuing a credential without one; the plugin checks
 * every call against the same schema (`check.ts`). The results are stated
 * here: results that carry decoded credentials declare them as plain
 * objects, since an unverified credential may be anything.
 */

import type { IAgentPluginSchema } from '@veramo/core';
import { ErrorCodes } from '../errors/index.js';
import { deriveComponents } from './derive.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const string = (description: string) => ({ type: 'string', description });
const anyObject = (description: string) => ({ type: 'object', description });

const results = {
  LegateErrorJson: {
    type: 'object',
    properties: {
      code: { type: 'string', enum: [...ErrorCodes], description: 'The stable error code' },
      message: string('What failed, for people'),
      claim: string('The claim, field or argument concerned'),
      reason: string('A short machine reason refining the code'),
    },
    required: ['code', 'message'],
    description: 'A failed check or a refused argument',
  },
  LegateReason: {
    type: 'object',
    properties: { code: { type: 'string', enum: [...ErrorCodes] }, message: { type: 'string' }, reason: { type: 'string' } },
    required: ['code', 'message'],
    description: 'Why a decision or an answer is negative',
  },
  LegateCredential: anyObject('A decoded AgentCapabilityCredential (VCDM 2.0); verified only when the result says so'),
  LegateAttributionEntry: {
    type: 'object',
    properties: {
      role: { type: 'string', enum: ['issuer', 'owner', 'agent', 'sub-agent'] },
      id: { type: 'string' },
      credential: string('The credential that grants this party its authority'),
    },
    required: ['role', 'id'],
  },
  LegateIssuedCredential: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      format: { type: 'string', enum: ['jwt', 'jwt-vc1', 'di'] },
      secured: ref('LegateSecuredCredential'),
      credential: ref('LegateCredential'),
    },
    required: ['id', 'format', 'secured', 'credential'],
  },
  LegateCredentialVerification: {
    type: 'object',
    properties: {
      verified: { type: 'boolean' },
      errors: { type: 'array', items: ref('LegateErrorJson') },
      credential: ref('LegateCredential'),
      issuer: { type: 'string' },
    },
    required: ['verified', 'errors'],
  },
  LegateChainVerification: {
    type: 'object',
    properties: {
      verified: { type: 'boolean' },
      errors: { type: 'array', items: ref('LegateErrorJson') },
      links: {
        type: 'array',
        items: {
          type: 'object',
          properties: { token: string('The credential as carried, as text'), credential: ref('LegateCredential'), issuer: { type: 'string' } },
          required: ['token', 'credential', 'issuer'],
        },
      },
      rootIssuer: { type: 'string' },
      leaf: ref('LegateCredential'),
      attribution: { type: 'array', items: ref('LegateAttributionEntry') },
    },
    required: ['verified', 'errors', 'links', 'attribution'],
  },
  LegatePresentation: {
    type: 'object',
    properties: { presentation: string('The vp+jwt') },
    required: ['presentation'],
  },
  LegatePresentationVerification: {
    type: 'object',
    properties: {
      verified: { type: 'boolean' },
      errors: { type: 'array', items: ref('LegateErrorJson') },
      holder: { type: 'string' },
      chains: { type: 'array', items: ref('LegateChainVerification') },
      credentials: { type: 'array', items: ref('LegateCredential') },
    },
    required: ['verified', 'errors', 'chains', 'credentials'],
  },
  LegateAuthorization: {
    type: 'object',
    properties: {
      decision: { type: 'string', enum: ['allow', 'deny', 'approval_required'] },
      capability: ref('LegateCapability'),
      credentialId: { type: 'string' },
      reasons: { type: 'array', items: ref('LegateReason') },
      holder: { type: 'string' },
      attribution: { type: 'array', items: ref('LegateAttributionEntry') },
      errors: { type: 'array', items: ref('LegateErrorJson') },
    },
    required: ['decision', 'reasons', 'errors'],
  },
  LegateStatusReport: {
    type: 'object',
    properties: {
      checked: { type: 'boolean' },
      ok: { type: 'boolean' },
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            outcome: { type: 'string', enum: ['ok', 'revoked', 'suspended', 'invalid', 'unavailable'] },
            purpose: { type: 'string' },
            index: { type: 'integer' },
            list: { type: 'string' },
            error: ref('LegateErrorJson'),
          },
          required: ['outcome'],
        },
      },
      errors: { type: 'array', items: ref('LegateErrorJson') },
    },
    required: ['checked', 'ok', 'results', 'errors'],
  },
  LegatePathStep: {
    type: 'object',
    properties: {
      type: { type: 'string', enum: ['self', 'list', 'issuer'] },
      id: { type: 'string' },
      url: { type: 'string' },
      issuer: { type: 'string' },
      hops: { type: 'integer' },
      version: { type: 'integer' },
    },
    required: ['type'],
  },
  LegateTrustAnswer: {
    type: 'object',
    properties: {
      entity: { type: 'string' },
      authorization: { type: 'string' },
      authorized: { type: 'boolean' },
      recognized: { type: 'boolean' },
      path: { type: 'array', items: ref('LegatePathStep') },
      reason: ref('LegateReason'),
    },
    description: 'authorized (with entity and authorization) or recognized; the path when yes, the reason when no',
  },
};

const method = (description: string, args: string, returnType: string) => ({ description, arguments: ref(args), returnType: ref(returnType) });

/** The Veramo plugin schema of {@link ILegate}. */
export const schema: IAgentPluginSchema = {
  components: {
    schemas: { ...deriveComponents(), ...results },
    methods: {
      legateIssueCapabilityCredential: method('Issues an AgentCapabilityCredential as vc+jwt', 'LegateIssueArgs', 'LegateIssuedCredential'),
      legateDelegateCapability: method('Issues a child credential narrower than its parent', 'LegateDelegateArgs', 'LegateIssuedCredential'),
      legateVerifyCapabilityCredential: method('Verifies one capability credential', 'LegateCredentialArgs', 'LegateCredentialVerification'),
      legateVerifyChain: method('Verifies a delegation chain', 'LegateVerifyChainArgs', 'LegateChainVerification'),
      legateCreatePresentation: method("Presents the holder's credentials as vp+jwt", 'LegateCreatePresentationArgs', 'LegatePresentation'),
      legateVerifyPresentation: method('Verifies a presentation and its chains', 'LegateVerifyPresentationArgs', 'LegatePresentationVerification'),
      legateAuthorize: method('Verifies credentials and decides one request', 'LegateAuthorizeArgs', 'LegateAuthorization'),
      legateCheckCredentialStatus: method("Checks a credential's revocation and suspension", 'LegateCredentialArgs', 'LegateStatusReport'),
      legateQueryTrustRegistry: method('Asks the trust registry a TRQP question', 'LegateTrustQuery', 'LegateTrustAnswer'),
    },
  },
};
