import { describe, expect, it } from 'vitest';
import { main, requests } from '../../examples/customer-support-agent.js';

describe('examples', () => {
  it('customer-support-agent: the CustomerSupportAgent v2.3 decides as documented', async () => {
    const decisions = await main(() => undefined);
    const summary = decisions.map((d, i) => [requests[i]!.label, d.decision, d.reasons.map((r) => r.code)]);
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
});
