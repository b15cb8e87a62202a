// The audit packing (store/sql/audit-pack): whatever the text, unpacking gives it back byte for byte or it is
// stored as it is; a damaged packing or a missing attachment reads as empty (corrupt), never as another entry.
import { deflateRawSync } from 'node:zlib';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { hashAuditEntry } from '../../src/audit/entry.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { attachmentKey, packAttachment, packAuditEntry, unpackAttachment, unpackAuditEntry } from '../../src/store/sql/audit-pack.js';

const COLUMNS = { chain: 'urn:uuid:3f0c4e1a-77aa-4c4e-9a51-2d0a3c2b1e90', at: '2026-12-04T05:00:00.000Z', prevHash: 'ab'.repeat(32) };
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const SIG = 'c2lnbmF0dXJl'.repeat(7);
/** A session token as a verifier issues one: a JWS of a few hundred characters. */
const SESSION = `${b64({ alg: 'EdDSA', typ: 'session+jwt' })}.${b64({ iss: 'did:web:bank.example:agents:teller', sub: 'mailto:dana@support.example', capabilities: [{ action: 'call', resource: 'billing:refund' }], jti: 'urn:uuid:5a1d' })}.${SIG}`;

function signedAction(payload: Record<string, unknown>): string {
  return `${b64({ alg: 'EdDSA', kid: 'did:web:support.example:agents:alice#key-1', typ: 'action+jwt' })}.${b64(payload)}.${SIG}`;
}

/** The canonical text of an action entry at `seq` carrying `action` as its signed action. */
function actionEntry(seq: number, action: string): string {
  const entry: AuditEntry = {
    type: 'action',
    decision: 'allow',
    action: 'call',
    resource: 'billing:refund',
    agent: 'did:web:support.example:agents:alice',
    owner: 'mailto:dana@support.example',
    chain: ['did:web:support.example:agents:alice', 'mailto:dana@support.example'],
    chainId: COLUMNS.chain,
    seq,
    at: COLUMNS.at,
    prevHash: COLUMNS.prevHash,
    signedAction: action,
  };
  return hashAuditEntry(entry).text;
}

function roundTrip(text: string): string | undefined {
  const packed = packAuditEntry(text, COLUMNS);
  if (packed === undefined) return undefined;
  return unpackAuditEntry(packed.packed, COLUMNS, packed.attachment === undefined ? undefined : packAttachment(packed.attachment.text));
}

describe('audit packing', () => {
  it('takes an action’s session token out into an attachment, and gives the entry back byte for byte', () => {
    const text = actionEntry(7, signedAction({ iss: 'did:web:support.example:agents:alice', session: SESSION, jti: 'urn:uuid:1', action: 'call' }));
    const packed = packAuditEntry(text, COLUMNS)!;
    expect(packed.attachment).toEqual({ hash: attachmentKey(SESSION), text: SESSION });
    // The columns and the token are not in the packing, and the rest is deflated.
    expect(packed.packed.length).toBeLessThan((text.length - SESSION.length) / 2);
    expect(unpackAuditEntry(packed.packed, COLUMNS, packAttachment(SESSION))).toBe(text);
    expect(unpackAttachment(packAttachment(SESSION))).toBe(SESSION);
  });

  it('leaves a short session token in place, and packs entries with no signed action whole', () => {
    const short = actionEntry(1, signedAction({ session: 'a.b.c', jti: 'x' }));
    expect(packAuditEntry(short, COLUMNS)?.attachment).toBeUndefined();
    expect(roundTrip(short)).toBe(short);
    const plain = hashAuditEntry({ type: 'agent', seq: 2, at: COLUMNS.at, prevHash: COLUMNS.prevHash, chainId: COLUMNS.chain, agent: 'did:web:a.example' }).text;
    expect(roundTrip(plain)).toBe(plain);
  });

  it('never changes a text: odd signed actions, payloads that are not UTF-8, control characters, markers', () => {
    const odd = [
      actionEntry(3, 'not-a-jws'),
      actionEntry(3, `${b64('{}')}.${Buffer.from([0xff, 0xfe, 0x00]).toString('base64url')}.${SIG}`),
      actionEntry(3, `h.${b64(`{"session":"${'x'.repeat(300)}"}\u0000`)}.s`),
      actionEntry(3, `h.${b64(`{"session":"${'x'.repeat(300)}`)}.s`),
      `{"at":"\u0003","chainId":"\u0001","prevHash":"\u0002","signedAction":"a.b.c"}`,
      `{"prevHash":"${COLUMNS.prevHash}","prevHash":"\u0002"}`,
      '{"signedAction":"',
    ];
    for (const text of odd) expect([undefined, text]).toContain(roundTrip(text));
  });

  it('keeps chain-open and chain-close entries plain, so finding one never unpacks', () => {
    for (const type of ['chain-open', 'chain-close'] as const) {
      expect(packAuditEntry(hashAuditEntry({ type, seq: 1, at: COLUMNS.at, prevHash: COLUMNS.prevHash }).text, COLUMNS)).toBeUndefined();
    }
  });

  it('round-trips any text it packs (property)', () => {
    const payload = fc.record({ jti: fc.string(), session: fc.option(fc.oneof(fc.string(), fc.constant(SESSION)), { nil: undefined }), params: fc.jsonValue() });
    fc.assert(
      fc.property(payload, fc.string(), (p, noise) => {
        const text = actionEntry(5, signedAction({ ...p, noise }));
        expect(roundTrip(text)).toBe(text);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect([undefined, text]).toContain(roundTrip(text));
      }),
      { numRuns: 300 },
    );
  });

  it('reads damaged packings, unknown kinds, a missing attachment and a zip bomb as empty, never throwing', () => {
    const text = actionEntry(9, signedAction({ session: SESSION, jti: 'urn:uuid:9' }));
    const { packed } = packAuditEntry(text, COLUMNS)!;
    expect(unpackAuditEntry(packed, COLUMNS, null)).toBe('');
    expect(unpackAuditEntry(Uint8Array.of(9, 1, 2, 3), COLUMNS, undefined)).toBe('');
    expect(unpackAuditEntry(Uint8Array.of(2, 0xff, 0xff), COLUMNS, undefined)).toBe('');
    expect(unpackAuditEntry(packed, COLUMNS, Uint8Array.of(7, 1))).toBe('');
    const bomb = new Uint8Array([1, ...deflateRawSync(Buffer.alloc(4 * 1024 * 1024, 'a'))]);
    expect(unpackAuditEntry(bomb, COLUMNS, undefined)).toBe('');
    // Another row's columns give another text, which verification finds by its hash.
    expect(unpackAuditEntry(packed, { ...COLUMNS, prevHash: 'cd'.repeat(32) }, packAttachment(SESSION))).not.toBe(text);
  });
});
