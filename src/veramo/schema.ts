/**
 * @module veramo/schema
 *
 * The plugin's method schema in Veramo's format (`components.schemas` and
 * `components.methods`, each method with its `arguments` and `returnType`),
 * which a Veramo agent created with `schemaValidation: true` checks every
 * call and result against, and which a remote agent publishes (OpenAPI).
 * Schema names start with `Legate` because Veramo merges every plugin's
 * schemas into one namespace. The shapes are structural: the normative
 * credential schema (`schemas/agent-capability-credential.json`) is still
 * enforced by the library (`ERR_SCHEMA`), and results that carry decoded
 * credentials declare them as plain objects, since an unverified credential
 * may be anything. Argument objects admit no unknown properties, so a
 * misspelt `validUntil` fails instead of issuing a credential without one;
 * the plugin's argument readers refuse them the same way without schema
 * validation.
 */

import type { IAgentPluginSchema } from '@veramo/core';
import { ErrorCodes } from '../errors/index.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const string = (description: string) => ({ type: 'string', description });
const strings = (description: string, minItems?: number, maxItems?: number) => ({
  type: 'array',
  items: { type: 'string' },
  ...(minItems === undefined ? {} : { minItems }),
  ...(maxItems === undefined ? {} : { maxItems }),
  description,
});
const anyObject = (description: string) => ({ type: 'object', description });

const schemas = {
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
  LegateMoney: {
    type: 'object',
    properties: { value: { type: 'number' }, currency: string('ISO 4217 code, e.g. USD') },
    required: ['value', 'currency'],
    additionalProperties: false,
  },
  LegateConstraints: {
    type: 'object',
    properties: {
      maxAmount: ref('LegateMoney'),
      budget: {
        type: 'object',
        properties: { value: { type: 'number' }, currency: { type: 'string' }, period: string('ISO 8601 duration') },
        required: ['value', 'currency', 'period'],
      },
      timeWindow: {
        type: 'object',
        properties: { days: strings('Mon … Sun'), start: string('HH:MM'), end: string('HH:MM or 24:00'), timeZone: string('IANA zone') },
        required: ['days', 'start', 'end', 'timeZone'],
      },
      rateLimit: { type: 'object', properties: { count: { type: 'integer' }, period: { type: 'string' } }, required: ['count', 'period'] },
      requireApproval: { type: 'boolean' },
      audience: strings('Verifier DIDs the capability may be presented to'),
    },
    additionalProperties: false,
    description: 'Limits on a capability, or shared by all capabilities of a credential',
  },
  LegateCapability: {
    type: 'object',
    properties: {
      action: string('An action name, or *'),
      resource: string('Colon-separated segments; a final * segment matches any suffix'),
      scope: string('A tag the verifier must honour'),
      constraints: ref('LegateConstraints'),
    },
    required: ['action', 'resource'],
    additionalProperties: false,
    description: 'What an agent may do',
  },
  LegateAgentInfo: {
    type: 'object',
    properties: { name: { type: 'string' }, version: { type: 'string' } },
    required: ['name'],
    additionalProperties: false,
  },
  LegateCapabilitySubject: {
    type: 'object',
    properties: {
      id: string("The agent's DID"),
      owner: string('The accountable human owner, a URI'),
      agent: ref('LegateAgentInfo'),
      capabilities: { type: 'array', items: ref('LegateCapability'), minItems: 1 },
      constraints: ref('LegateConstraints'),
      delegation: {
        type: 'object',
        properties: { parent: { type: 'string' }, depth: { type: 'integer' }, maxDepth: { type: 'integer' } },
        required: ['depth', 'maxDepth'],
      },
    },
    required: ['id', 'owner', 'capabilities'],
    additionalProperties: false,
    description: 'The credentialSubject of an AgentCapabilityCredential',
  },
  LegateStatusEntry: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      type: string('BitstringStatusListEntry'),
      statusPurpose: string('revocation or suspension'),
      statusListIndex: string('A non-negative integer, in base 10'),
      statusListCredential: string('The status list URL'),
    },
    required: ['type'],
    description: 'A credentialStatus entry (W3C Bitstring Status List v1.0)',
  },
  LegateSecuredCredential: {
    type: ['string', 'object'],
    description: 'A credential as carried: a vc+jwt (or VCDM 1.1 JWT), or a Data Integrity secured credential (its object or JSON text)',
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
  LegateIssueArgs: {
    type: 'object',
    properties: {
      issuer: string("The issuer's DID: a Legate signer of the plugin, or a DID the agent manages"),
      subject: ref('LegateCapabilitySubject'),
      kid: string('Which key signs: a verification method id, or the agent key id'),
      id: string('The credential id; default a fresh urn:uuid'),
      validFrom: string('ISO 8601; default now'),
      validUntil: string('ISO 8601'),
      validFor: string('A duration from validFrom (P30D, 12h); ignored when validUntil is set'),
      credentialStatus: { type: 'array', items: ref('LegateStatusEntry') },
      format: { type: 'string', enum: ['jwt', 'jwt-vc1', 'di'], description: 'vc+jwt (default), a VCDM 1.1 JWT, or a Data Integrity proof' },
    },
    required: ['issuer', 'subject'],
    additionalProperties: false,
    description: 'Arguments of legateIssueCapabilityCredential',
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
  LegateDelegateArgs: {
    type: 'object',
    properties: {
      parent: ref('LegateSecuredCredential'),
      to: string("The receiving agent's DID"),
      capabilities: { type: 'array', items: ref('LegateCapability'), minItems: 1 },
      constraints: ref('LegateConstraints'),
      agent: ref('LegateAgentInfo'),
      maxDepth: { type: 'integer', minimum: 0, maximum: 8 },
      validFor: string("Validity from now; capped at the parent's"),
      id: { type: 'string' },
      credentialStatus: { type: 'array', items: ref('LegateStatusEntry') },
      kid: string('Which key of the delegating agent signs'),
      format: { type: 'string', enum: ['jwt', 'di'] },
    },
    required: ['parent', 'to', 'capabilities'],
    additionalProperties: false,
    description: 'Arguments of legateDelegateCapability',
  },
  LegateCredentialArgs: {
    type: 'object',
    properties: { credential: ref('LegateSecuredCredential') },
    required: ['credential'],
    additionalProperties: false,
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
  LegateVerifyChainArgs: {
    type: 'object',
    properties: { credentials: { type: 'array', items: ref('LegateSecuredCredential'), minItems: 1, maxItems: 9, description: 'The chain, root to leaf in any order' } },
    required: ['credentials'],
    additionalProperties: false,
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
  LegateCreatePresentationArgs: {
    type: 'object',
    properties: {
      holder: string("The holder's DID"),
      credentials: { type: 'array', items: ref('LegateSecuredCredential'), minItems: 1, maxItems: 32, description: "The holder's credentials and their chains" },
      audience: string("The verifier's DID"),
      nonce: string("The verifier's challenge"),
      lifetimeSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
      kid: string('Which authentication key of the holder signs'),
    },
    required: ['holder', 'credentials', 'audience', 'nonce'],
    additionalProperties: false,
  },
  LegatePresentation: {
    type: 'object',
    properties: { presentation: string('The vp+jwt') },
    required: ['presentation'],
  },
  LegateVerifyPresentationArgs: {
    type: 'object',
    properties: {
      presentation: string('The vp+jwt'),
      audience: string("This verifier's DID"),
      nonce: string('The challenge this verifier issued'),
      maxAgeSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
    },
    required: ['presentation', 'audience', 'nonce'],
    additionalProperties: false,
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
  LegateAuthorizationRequest: {
    type: 'object',
    properties: {
      action: { type: 'string' },
      resource: { type: 'string' },
      scope: { type: 'string' },
      amount: ref('LegateMoney'),
    },
    required: ['action', 'resource'],
    additionalProperties: false,
  },
  LegateAuthorizeArgs: {
    type: 'object',
    properties: {
      request: ref('LegateAuthorizationRequest'),
      presentation: ref('LegateVerifyPresentationArgs'),
      chains: {
        type: 'array',
        items: { type: 'array', items: ref('LegateSecuredCredential'), minItems: 1, maxItems: 9, description: 'One chain, any order' },
        minItems: 1,
        maxItems: 32,
      },
      verifier: string("The verifier's DID, for audience constraints; default the presentation's audience"),
      spent: ref('LegateMoney'),
      recentCount: { type: 'integer', minimum: 0 },
      approved: { type: 'boolean' },
    },
    required: ['request'],
    additionalProperties: false,
    description: 'Arguments of legateAuthorize: give presentation or chains',
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
  LegateAuthorizationQuery: {
    type: 'object',
    properties: {
      entity: string("The issuer's DID"),
      authorization: string('<action>:<resource>'),
      depth: { type: 'integer', minimum: 0, maximum: 8 },
    },
    required: ['entity', 'authorization'],
    additionalProperties: false,
  },
  LegateRecognitionQuery: {
    type: 'object',
    properties: {
      registry: string('The recognizing trust list: its URL or its issuer DID'),
      recognized: string('The recognized trust list: its URL or its issuer DID'),
    },
    required: ['registry', 'recognized'],
    additionalProperties: false,
  },
  LegateTrustQuery: {
    anyOf: [ref('LegateAuthorizationQuery'), ref('LegateRecognitionQuery')],
    description: 'One of the two ToIP Trust Registry Query Protocol questions',
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
    schemas,
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

/** The properties an arguments schema admits (the union over `anyOf`), for the readers' unknown-key check. */
export function argumentKeys(name: string): ReadonlySet<string> {
  const keys = new Set<string>();
  const visit = (schemaName: string) => {
    const entry = (schemas as Record<string, { properties?: object; anyOf?: { $ref: string }[] }>)[schemaName];
    for (const key of Object.keys(entry?.properties ?? {})) keys.add(key);
    for (const option of entry?.anyOf ?? []) visit(option.$ref.slice('#/components/schemas/'.length));
  };
  visit(name);
  return keys;
}
