// Every example's main() runs with a silent `say`; its result is checked
// against what the example's comment promises. Examples import 'legate/*'
// like a user, so they run against dist/ (build first).
import { describe, expect, it } from 'vitest';
import * as audit from '../../examples/audit.js';
import * as createAgent from '../../examples/create-agent.js';
import * as customerSupportAgent from '../../examples/customer-support-agent.js';
import * as delegate from '../../examples/delegate.js';
import * as federate from '../../examples/federate.js';
import * as handshakeAndAct from '../../examples/handshake-and-act.js';
import * as issueAndVerify from '../../examples/issue-and-verify.js';
import * as mcpServerAndAgent from '../../examples/mcp-server-and-agent.js';
import * as revokeAndCheck from '../../examples/revoke-and-check.js';
import * as veramoAgent from '../../examples/veramo-agent.js';

const silent = () => undefined;

describe('examples', () => {
  it('customer-support-agent: the CustomerSupportAgent v2.3 decides as documented', async () => {
    const decisions = await customerSupportAgent.main(silent);
    const summary = decisions.map((d, i) => [customerSupportAgent.requests[i]!.label, d.decision, d.reasons.map((r) => r.code)]);
    expect(summary).toEqual([
      ['read an assigned ticket customer', 'allow', []],
      ['read every customer record (no scope)', 'deny', ['ERR_NOT_AUTHORIZED']],
      ['refund 80 USD', 'allow', []],
      ['refund 150 USD', 'deny', ['ERR_CONSTRAINT_AMOUNT']],
      ['escalate to a human supervisor', 'allow', []],
      ['close an account', 'approval_required', ['ERR_APPROVAL_REQUIRED']],
      ['close an account, approved by the owner', 'allow', []],
      ['delete the CRM', 'deny', ['ERR_NOT_AUTHORIZED']],
    ]);
  });

  it('create-agent: a did:web agent controlled by its organization and a did:key sub-agent', async () => {
    const result = await createAgent.main(silent);
    expect(result.organization).toBe('did:web:acme.example');
    expect(result.agent).toMatchObject({
      did: 'did:web:acme.example:agents:alice',
      owner: 'mailto:carol@acme.example',
      document: {
        id: 'did:web:acme.example:agents:alice',
        controller: 'did:web:acme.example',
        assertionMethod: ['did:web:acme.example:agents:alice#key-1'],
        service: [expect.objectContaining({ type: 'LegateAceEndpoint', serviceEndpoint: 'https://acme.example/ace' })],
      },
    });
    expect(result.subAgent.did).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
    expect(result.subAgent.document?.id).toBe(result.subAgent.did);
  });

  it('issue-and-verify: verified, then ERR_SIGNATURE_INVALID when tampered, ERR_EXPIRED after expiry', async () => {
    expect(await issueAndVerify.main(silent)).toEqual({ verified: [], tampered: ['ERR_SIGNATURE_INVALID'], expired: ['ERR_EXPIRED'] });
  });

  it('delegate: widening refused, the chain verifies, the child’s limit applies, attribution to the sub-agent', async () => {
    const result = await delegate.main(silent);
    expect(result.widening).toBe('ERR_CAPABILITY_WIDENED');
    expect(result.chainLength).toBe(2);
    expect(result.attribution.map((a) => a.role)).toEqual(['issuer', 'owner', 'agent', 'sub-agent']);
    expect(result.attribution.slice(0, 3).map((a) => a.id)).toEqual(['did:web:acme.example', 'mailto:carol@acme.example', 'did:web:acme.example:agents:alice']);
    expect(result.attribution[3]!.id).toMatch(/^did:key:z6Mk/);
    expect(result.decisions).toEqual({
      'refund 15 USD': { decision: 'allow', reasons: [] },
      'refund 50 USD': { decision: 'deny', reasons: ['ERR_CONSTRAINT_AMOUNT'] },
    });
  });

  it('revoke-and-check: revoked, suspended and reinstated at once at the issuer; a remote verifier sees a change after the TTL', async () => {
    const result = await revokeAndCheck.main(silent);
    expect(result.atAcme).toEqual({
      issued: [],
      revoked: ['ERR_REVOKED'],
      reinstateRevoked: ['ERR_CONFLICT'],
      suspended: ['ERR_SUSPENDED'],
      reinstated: [],
    });
    expect(result.verifier).toEqual({
      first: { codes: [], listFetches: 2 }, // the revocation and the suspension list
      beforeTtl: { codes: [], listFetches: 0 }, // both from the cache: the revocation is not seen yet
      afterTtl: { codes: ['ERR_REVOKED'], listFetches: 2 },
    });
  });

  it('federate: accredited capability verifies, another is ERR_UNTRUSTED_ISSUER; the registry answers with the path', async () => {
    const result = await federate.main(silent);
    expect(result.refunds).toEqual([]);
    expect(result.crm).toEqual(['ERR_UNTRUSTED_ISSUER']);
    const [yes, no] = result.answers;
    expect(yes).toMatchObject({ authorization: 'call:billing:refund', authorized: true });
    expect(yes!.path).toEqual([
      expect.objectContaining({ type: 'list', url: expect.stringMatching(/^http:\/\/localhost:\d+\/registry\/trust-list$/) as unknown, version: 1 }),
      { type: 'issuer', id: yes!.entity },
    ]);
    expect(no).toMatchObject({ authorization: 'write:crm:ticket_updates', authorized: false, reason: { code: 'ERR_UNTRUSTED_ISSUER' } });
  });

  it('handshake-and-act: one capability trusted, one rejected; allow, deny over the limit, approval then allow', async () => {
    const result = await handshakeAndAct.main(silent);
    expect(result.trusted.sort()).toEqual(['call:billing:refund', 'close:billing:account_closure']);
    expect(result.rejected).toEqual([{ capability: 'write:crm:ticket_updates', code: 'ERR_UNTRUSTED_ISSUER' }]);
    const decisions = Object.fromEntries(Object.entries(result.actions).map(([label, a]) => [label, [a.decision, a.reasons]]));
    expect(decisions).toEqual({
      'refund 80 USD': ['allow', []],
      'refund 150 USD': ['deny', ['ERR_CONSTRAINT_AMOUNT']],
      'close an account': ['approval_required', ['ERR_APPROVAL_REQUIRED']],
      'close an account, carol approves': ['allow', []],
    });
    // The support agent (did:web) acted for carol (did:key), its owner.
    expect(result.actions['refund 80 USD']!.attribution).toEqual([expect.stringMatching(/:agents:support$/), expect.stringMatching(/^did:key:/)]);
  });
  it('veramo-agent: a Veramo-managed sub-agent allowed within its limit, denied above it, and denied once its parent is revoked', async () => {
    const result = await veramoAgent.main(silent);
    expect(result.decisions).toEqual({
      'refund 15 USD': { decision: 'allow', reasons: [] },
      'refund 50 USD': { decision: 'deny', reasons: ['ERR_CONSTRAINT_AMOUNT'] },
      'refund 15 USD after the revocation': { decision: 'deny', reasons: ['ERR_REVOKED'] },
    });
    expect(result.attribution.map((a) => a.role)).toEqual(['issuer', 'owner', 'agent', 'sub-agent']);
    expect(result.attribution.slice(0, 3).map((a) => a.id)).toEqual(['did:web:acme.example', 'mailto:carol@acme.example', 'did:web:acme.example:agents:alice']);
    expect(result.attribution[3]!.id).toMatch(/^did:key:z6Mk/);
    expect(result.status).toEqual(['revoked', 'ok']);
  });

  it('audit: the log verifies, names one agent\'s decisions, and finds an edited entry by its sequence number', async () => {
    const result = await audit.main(silent);
    expect(result.intact).toBe(true);
    expect(result.trail).toEqual(['agent:allow', 'issuance:allow']);
    expect(result.tampered).toEqual({ ok: false, seq: 2, reason: 'changed' });
  });

  it('mcp-server-and-agent: a DPoP-bound token by token exchange, two tools listed and called, a refund over the limit refused', async () => {
    const result = await mcpServerAndAgent.main(silent);
    expect(result.tools).toEqual(['lookup_invoice', 'refund']);
    expect(result.answers).toEqual([expect.stringMatching(/^invoice INV-7: 40\.00 EUR \(asked by did:web:localhost%3A\d+:agents:alice for mailto:carol@acme\.example\)$/), 'refunded 40 EUR']);
    expect(result.refused.status).toBe(403);
    expect(result.refused.message).toMatch(/insufficient_scope.*ERR_CONSTRAINT_AMOUNT/);
  });
});
