/**
 * @module store/sql/audit-blocks
 *
 * Sealed blocks of audit entries (`./audit-pack`): the light bodies of up
 * to {@link MAX_BLOCK_ENTRIES} consecutive entries of one chain, deflated
 * together against the packing's dictionary, so DEFLATE finds what entries
 * of a chain repeat (DIDs, owners, capabilities, the session's claims) in
 * the entries before. Appends never pay for a zlib stream; the checkpoint
 * job pays once a block.
 *
 * A block's first byte says how it is packed ({@link BLOCK}). Inflated, it
 * is an index, then the bodies one after another: the number of entries
 * (u32), then for each its `seq` less the block's first (u32) and its
 * length (u32), big-endian. Opening one is bounded ({@link MAX_BLOCK_BYTES})
 * and checks the index against the bytes, so a tampered block is no zip
 * bomb and never reads out of bounds. Internal.
 */

import { deflateRawSync, inflateRawSync } from 'node:zlib';

import { DICTIONARY } from './audit-pack.js';

/** Entries in one block at most: measured, 128 entries deflate to ~93 B each against 111 B at 32 (bench/README.md). */
export const MAX_BLOCK_ENTRIES = 128;
/** Body bytes in one block at most (a block closes early at this size). */
export const MAX_BLOCK_BYTES = 1024 * 1024;
/** First byte of a block: index and bodies, deflated (raw DEFLATE, 32 KB window) against the dictionary. */
const BLOCK = 1;
const DEFLATE = { level: 6, dictionary: DICTIONARY } as const;
/** What a block may inflate to: its bodies and an index of the most entries. */
const INFLATE = { dictionary: DICTIONARY, maxOutputLength: MAX_BLOCK_BYTES + 4 + 8 * MAX_BLOCK_ENTRIES } as const;

/** One entry's body, by its `seq`. */
export interface BlockEntry {
  seq: number;
  body: Uint8Array;
}

/**
 * Seals `entries` (one chain's, in `seq` order, the first being the
 * block's first) into a block's stored bytes.
 * @throws RangeError for more than {@link MAX_BLOCK_ENTRIES} entries or
 *   {@link MAX_BLOCK_BYTES} of bodies, or a block that does not open back
 *   to the very entries (never seen; zlib is lossless).
 */
export function sealBlock(entries: readonly BlockEntry[]): Uint8Array {
  if (entries.length === 0 || entries.length > MAX_BLOCK_ENTRIES) throw new RangeError(`an audit block holds 1 to ${MAX_BLOCK_ENTRIES} entries`);
  const first = entries[0]!.seq;
  const index = Buffer.alloc(4 + 8 * entries.length);
  index.writeUInt32BE(entries.length, 0);
  let bytes = 0;
  entries.forEach(({ seq, body }, i) => {
    index.writeUInt32BE(seq - first, 4 + 8 * i);
    index.writeUInt32BE(body.length, 8 + 8 * i);
    bytes += body.length;
  });
  if (bytes > MAX_BLOCK_BYTES) throw new RangeError(`an audit block would hold ${bytes} bytes of entries (at most ${MAX_BLOCK_BYTES})`);
  const deflated = deflateRawSync(Buffer.concat([index, ...entries.map((e) => e.body)]), DEFLATE);
  const data = new Uint8Array(deflated.length + 1);
  data[0] = BLOCK;
  data.set(deflated, 1);
  const opened = openBlock(data, first);
  if (opened.size !== entries.length || entries.some((e) => !Buffer.from(e.body).equals(opened.get(e.seq) ?? Buffer.alloc(0)))) {
    throw new RangeError('an audit block does not open to what was sealed');
  }
  return data;
}

/**
 * The bodies a block holds, by `seq` (`first`: the block's first `seq`).
 * @throws RangeError when `data` is not a block of this module, inflates
 *   too far, or its index does not match its bytes.
 */
export function openBlock(data: Uint8Array, first: number): Map<number, Buffer> {
  if (data[0] !== BLOCK) throw new RangeError(`unknown audit block packing ${data[0]}`);
  const bytes = inflateRawSync(data.subarray(1), INFLATE);
  const count = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  if (count < 1 || count > MAX_BLOCK_ENTRIES || bytes.length < 4 + 8 * count) throw new RangeError('an audit block index is damaged');
  const bodies = new Map<number, Buffer>();
  let at = 4 + 8 * count;
  for (let i = 0; i < count; i++) {
    const seq = first + bytes.readUInt32BE(4 + 8 * i);
    const length = bytes.readUInt32BE(8 + 8 * i);
    if (at + length > bytes.length || bodies.has(seq)) throw new RangeError('an audit block index is damaged');
    bodies.set(seq, bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new RangeError('an audit block index is damaged');
  return bodies;
}
