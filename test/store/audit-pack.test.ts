// The audit packing (store/sql/audit-pack, store/sql/audit-blocks): whatever the text, unpacking gives it back byte
// for byte, light or sealed in a block, or it is stored as it is; a damaged packing, block or missing attachment
// reads as empty (corrupt), never as another entry; rows older Legates packed still read back.
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { hashAuditEntry } from '../../src/audit/entry.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { MAX_BLOCK_BYTES, openBlock, sealBlock } from '../../src/store/sql/audit-blocks.js';
import { attachmentKey, DICTIONARY, isLight, packAttachment, packAuditEntry, unpackAttachment, unpackAuditEntry } from '../../src/store/sql/audit-pack.js';

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

/** A block's stored bytes for the inflated bytes given (index and bodies), as `sealBlock` would deflate them. */
const blockOf = (inflated: Buffer) => Uint8Array.of(1, ...deflateRawSync(inflated, { dictionary: DICTIONARY }));

/** `text` packed light and read back, and packed, sealed alone in a block and read back: both must agree. */
function roundTrip(text: string): string | undefined {
  const packed = packAuditEntry(text, COLUMNS);
  if (packed === undefined) return undefined;
  const attachment = packed.attachment === undefined ? undefined : packAttachment(packed.attachment.text);
  const lightText = unpackAuditEntry(packed.packed, COLUMNS, attachment, packed.body);
  if (packed.body !== undefined) {
    const sealed = openBlock(sealBlock([{ seq: 5, body: packed.body }]), 5).get(5);
    expect(unpackAuditEntry(packed.packed, COLUMNS, attachment, sealed)).toBe(lightText);
  }
  return lightText;
}

describe('audit packing', () => {
  it('takes an action’s session token out into an attachment, and gives the entry back byte for byte', () => {
    const text = actionEntry(7, signedAction({ iss: 'did:web:support.example:agents:alice', session: SESSION, jti: 'urn:uuid:1', action: 'call' }));
    const packed = packAuditEntry(text, COLUMNS)!;
    expect(packed.attachment).toEqual({ hash: attachmentKey(SESSION), text: SESSION });
    // Light: the row's packing is one byte; its body holds neither the columns nor the token, and is not deflated.
    expect(packed.packed.length).toBe(1);
    expect(isLight(packed.packed)).toBe(true);
    const body = Buffer.from(packed.body!).toString('utf8');
    for (const column of [COLUMNS.chain, COLUMNS.prevHash, COLUMNS.at, SESSION]) expect(body).not.toContain(column);
    expect(body).toContain('"resource":"billing:refund"');
    expect(unpackAuditEntry(packed.packed, COLUMNS, packAttachment(SESSION), packed.body)).toBe(text);
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
    const { packed, body } = packAuditEntry(text, COLUMNS)!;
    expect(unpackAuditEntry(packed, COLUMNS, null, body)).toBe('');
    // A light row whose body is missing.
    expect(unpackAuditEntry(packed, COLUMNS, packAttachment(SESSION), undefined)).toBe('');
    expect(unpackAuditEntry(Uint8Array.of(9, 1, 2, 3), COLUMNS, undefined)).toBe('');
    expect(unpackAuditEntry(Uint8Array.of(2, 0xff, 0xff), COLUMNS, undefined)).toBe('');
    expect(unpackAuditEntry(packed, COLUMNS, Uint8Array.of(7, 1), body)).toBe('');
    const bomb = new Uint8Array([1, ...deflateRawSync(Buffer.alloc(4 * 1024 * 1024, 'a'))]);
    expect(unpackAuditEntry(bomb, COLUMNS, undefined)).toBe('');
    // Another row's columns give another text, which verification finds by its hash.
    expect(unpackAuditEntry(packed, { ...COLUMNS, prevHash: 'cd'.repeat(32) }, packAttachment(SESSION), body)).not.toBe(text);
  });

  it('seals light bodies of a chain into one block, far smaller than their bytes, each read back by its seq', () => {
    const texts = Array.from({ length: 40 }, (_, i) => actionEntry(i + 1, signedAction({ iss: 'did:web:support.example:agents:alice', session: SESSION, jti: `urn:uuid:${i}`, action: 'call', params: { amount: i } })));
    const packings = texts.map((text) => packAuditEntry(text, COLUMNS)!);
    // seq 21 is missing (a chain-close kept plain, say): the block's index says which entries it holds.
    const entries = packings.map((p, i) => ({ seq: 100 + i + (i >= 20 ? 1 : 0), body: p.body! }));
    const data = sealBlock(entries);
    const bodies = openBlock(data, 100);
    expect([...bodies.keys()]).toEqual(entries.map((e) => e.seq));
    expect(bodies.has(120)).toBe(false);
    entries.forEach(({ seq }, i) => expect(unpackAuditEntry(packings[i]!.packed, COLUMNS, packAttachment(SESSION), bodies.get(seq))).toBe(texts[i]));
    const lightBytes = entries.reduce((sum, e) => sum + e.body.length, 0);
    expect(data.length).toBeLessThan(lightBytes / 5);
  });

  it('refuses to open a damaged block, one that inflates too far or whose index lies, and to seal too much', () => {
    const body = packAuditEntry(actionEntry(9, signedAction({ session: SESSION, jti: 'urn:uuid:9' })), COLUMNS)!.body!;
    const data = sealBlock([{ seq: 9, body }, { seq: 10, body }]);
    expect(openBlock(data, 9).get(10)).toEqual(Buffer.from(body));
    expect(() => openBlock(Uint8Array.of(7, ...data.subarray(1)), 9)).toThrow(RangeError);
    expect(() => openBlock(blockOf(Buffer.alloc(MAX_BLOCK_BYTES + 4096, 'a')), 1)).toThrow();
    // An index claiming more bytes than follow, or the same seq twice, or bytes left over.
    const index = (count: number, pairs: number[][], tail: Buffer) => {
      const head = Buffer.alloc(4 + 8 * pairs.length);
      head.writeUInt32BE(count, 0);
      pairs.forEach(([seq, length], i) => {
        head.writeUInt32BE(seq!, 4 + 8 * i);
        head.writeUInt32BE(length!, 8 + 8 * i);
      });
      return Buffer.concat([head, tail]);
    };
    for (const inflated of [index(1, [[0, 10]], Buffer.alloc(5)), index(2, [[0, 1], [0, 1]], Buffer.alloc(2)), index(1, [[0, 1]], Buffer.alloc(3)), index(0, [], Buffer.alloc(0))]) {
      expect(() => openBlock(blockOf(inflated), 1)).toThrow(RangeError);
    }
    expect(() => sealBlock([])).toThrow(RangeError);
    expect(() => sealBlock([{ seq: 1, body: Buffer.alloc(MAX_BLOCK_BYTES + 1) }])).toThrow(RangeError);
    expect(() => sealBlock(Array.from({ length: 129 }, (_, i) => ({ seq: i + 1, body })))).toThrow(RangeError);
  });

  it('reads rows an earlier Legate packed (one entry deflated at a time) byte for byte', () => {
    const vectors = JSON.parse(readFileSync(new URL('../vectors/audit-pack-v1.json', import.meta.url), 'utf8')) as {
      columns: typeof COLUMNS;
      entries: { text: string; packed: string; attachment?: string }[];
    };
    expect(vectors.entries.map((e) => Buffer.from(e.packed, 'base64')[0])).toEqual([1, 2]);
    for (const e of vectors.entries) {
      const attachment = e.attachment === undefined ? undefined : Buffer.from(e.attachment, 'base64');
      expect(unpackAuditEntry(Buffer.from(e.packed, 'base64'), vectors.columns, attachment)).toBe(e.text);
    }
  });
});
