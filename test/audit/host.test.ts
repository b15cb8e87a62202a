// acme's audit log written through a plain AuditHost (store, clock, organization, keys): audit/ needs no node.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit } from '../../src/audit/checkpoint.js';
import type { AuditHost } from '../../src/audit/log.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { auditNode, sampleFields, type AuditNode } from './helpers.js';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
});
afterEach(() => an.close());

describe('audit through a plain host', () => {
  it('appends and checkpoints with the organization’s newest active key, and the log verifies', async () => {
    const { store, clock, organization, keys } = an.node;
    const host: AuditHost = { store, clock, organization: { did: organization.did }, keys };
    for (let i = 1; i <= 3; i++) await appendAudit(host, sampleFields(i));
    const { checkpoint, created } = await checkpointAudit(host);
    expect(created).toBe(true);
    expect(decodeCompactJws(checkpoint!.token).payload.iss).toBe(organization.did);
    expect((await verifyAudit({ store, resolver: an.node.resolver })).ok).toBe(true);
  });

  it('refuses to checkpoint when the organization has no active key (ERR_KEY_UNAVAILABLE)', async () => {
    const { store, clock, organization } = an.node;
    const keys = { list: () => Promise.resolve([{ kid: `${organization.did}#key-1`, status: 'retired' as const }]), signer: () => Promise.reject(new Error('never asked')) };
    await appendAudit({ store, clock, organization, keys }, sampleFields(1));
    await expect(checkpointAudit({ store, clock, organization, keys })).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
  });
});
