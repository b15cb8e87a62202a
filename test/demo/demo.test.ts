import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run.js';
import { legate } from '../cli/helpers.js';

describe('legate demo', () => {
  it('runs the story: a verified credential, then tampering, expiry and revocation rejected with their codes', async () => {
    const lines: string[] = [];
    const result = await runDemo((line) => lines.push(line));
    expect(result.ok).toBe(true);
    const rejected = result.steps.filter((s) => s.outcome === 'rejected');
    expect(rejected.map((s) => s.codes)).toEqual([['ERR_SIGNATURE_INVALID'], ['ERR_EXPIRED'], ['ERR_REVOKED']]);
    expect(lines.join('\n')).toContain('ERR_SIGNATURE_INVALID');
  });

  it('runs from the built CLI with a JSON summary', () => {
    const run = legate(['demo', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ ok: true });
  });
});
