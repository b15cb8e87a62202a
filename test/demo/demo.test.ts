import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run.js';
import { legate } from '../cli/helpers.js';

describe('legate demo', () => {
  it('runs the three-organization story with every decision and reason code as expected', async () => {
    const lines: string[] = [];
    const result = await runDemo((line) => lines.push(line));
    expect(result.ok, lines.join('\n')).toBe(true);
    const byStep = (text: string) => result.steps.find((s) => s.step.includes(text));
    expect(byStep('write crm:ticket_updates')).toMatchObject({ outcome: 'rejected', codes: ['ERR_UNTRUSTED_ISSUER'] });
    expect(byStep('refund 80 USD')).toMatchObject({ outcome: 'allow' });
    expect(byStep('refund 150 USD')).toMatchObject({ outcome: 'deny', codes: ['ERR_CONSTRAINT_AMOUNT'] });
    expect(byStep('close an account')).toMatchObject({ outcome: 'approval_required', codes: ['ERR_APPROVAL_REQUIRED'] });
    expect(byStep('approval')).toMatchObject({ outcome: 'allow' });
    expect(byStep('refund-helper refunds 30')).toMatchObject({ outcome: 'deny', codes: ['ERR_CONSTRAINT_AMOUNT'] });
    expect(byStep('minutes later')).toMatchObject({ outcome: 'deny', codes: ['ERR_REVOKED'] });
    expect(lines.join('\n')).toContain('Every decision came out as it should.');
  });

  it('runs from the CLI with a JSON summary and exits 0', async () => {
    const run = await legate(['demo', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ ok: true });
  });
});
