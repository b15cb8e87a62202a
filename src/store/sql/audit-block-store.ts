/**
 * @module store/sql/audit-block-store
 *
 * Where light audit bodies (`./audit-pack`) live: in `audit_light` from
 * the append until sealed, then in a block of `audit_blocks`
 * (`./audit-blocks`). This module seals the next block of a chain and finds
 * the blocks a read's rows are in.
 *
 * A chain's blocks cover disjoint, ordered ranges of its `seq` (each from
 * its first body through its `last_seq`, the key), so the block of an entry
 * is the first whose `last_seq` is not below the entry's `seq`. Sealing
 * moves bodies from `audit_light` into a block; the entries' rows are never
 * rewritten (rewriting rows smaller left SQLite pages mostly empty).
 * Internal.
 */

import { MAX_BLOCK_BYTES, MAX_BLOCK_ENTRIES, openBlock, sealBlock, type BlockEntry } from './audit-blocks.js';
import { isLight } from './audit-pack.js';
import { lockKey, type SqlExecutor } from './executor.js';

/**
 * Blocks a read keeps open at once (each up to {@link MAX_BLOCK_BYTES},
 * ~90 KB typically); the compressed ones are kept for the whole read. A
 * listing by time interleaves the chains of a fleet, so this is room for a
 * block of each of many chains, not for one: fewer, and every row of such
 * a listing would inflate a block again.
 */
const OPEN_BLOCKS = 16;

const HEAD = 'SELECT MAX(seq) AS seq FROM audit_entries WHERE chain = ?';
const LIGHT_BODIES = 'SELECT seq, body FROM audit_light WHERE chain = ? AND seq <= ? ORDER BY seq LIMIT ?';
const INSERT_BLOCK = 'INSERT INTO audit_blocks (chain, last_seq, first_seq, data) VALUES (?, ?, ?, ?)';
const SEALED = 'DELETE FROM audit_light WHERE chain = ? AND seq >= ? AND seq <= ?';
const BLOCK_OF = 'SELECT first_seq, last_seq, data FROM audit_blocks WHERE chain = ? AND last_seq >= ? ORDER BY last_seq LIMIT 1';

/**
 * Seals the next block of `chain`: its oldest light bodies through
 * `throughSeq` but never its head's (which appends read back), at most
 * {@link MAX_BLOCK_ENTRIES} of them and {@link MAX_BLOCK_BYTES} of bytes.
 * Runs inside `tx`, holding the chain's sealing lock so two sealers never
 * cut overlapping blocks. Returns how many entries it sealed (0: none left).
 */
export async function sealNextBlock(tx: SqlExecutor, chain: string, throughSeq: number): Promise<number> {
  await tx.lock(lockKey.auditSeal(chain));
  const head = (await tx.get<{ seq: number | null }>(HEAD, [chain]))?.seq ?? 0;
  const through = Math.min(throughSeq, head - 1);
  if (through < 1) return 0;
  const rows = await tx.all<{ seq: number; body: Uint8Array }>(LIGHT_BODIES, [chain, through, MAX_BLOCK_ENTRIES]);
  const taken: BlockEntry[] = [];
  let bytes = 0;
  for (const row of rows) {
    // The first body always fits: an entry is far below the block's bound.
    if (taken.length > 0 && bytes + row.body.length > MAX_BLOCK_BYTES) break;
    taken.push({ seq: row.seq, body: row.body });
    bytes += row.body.length;
  }
  if (taken.length === 0) return 0;
  const first = taken[0]!.seq;
  const last = taken[taken.length - 1]!.seq;
  await tx.run(INSERT_BLOCK, [chain, last, first, sealBlock(taken)]);
  await tx.run(SEALED, [chain, first, last]);
  return taken.length;
}

interface StoredBlock {
  chain: string;
  first: number;
  last: number;
  data: Uint8Array;
  /** Opened, while among the {@link OPEN_BLOCKS} last used; null when it could not be. */
  bodies?: Map<number, Buffer> | null | undefined;
}

/** The block of `blocks` holding `seq` of `chain`; rows come mostly in order, so the last one is tried first. */
function find(blocks: readonly StoredBlock[], chain: string, seq: number): StoredBlock | undefined {
  const holds = (block: StoredBlock) => block.chain === chain && block.first <= seq && seq <= block.last;
  const last = blocks[blocks.length - 1];
  return last !== undefined && holds(last) ? last : blocks.find(holds);
}

/** A row as a read gives it: a light one found no body in `audit_light` when `light_body` is null. */
interface ReadRow {
  chain: string;
  seq: number;
  packed: Uint8Array | null;
  light_body: Uint8Array | null;
}

/**
 * The sealed blocks the light rows of one read are in, each fetched once
 * for the read and opened when an entry in it is first unpacked (the rows'
 * texts are unpacked lazily, `./audit`). A read whose light rows all found
 * their bodies in `audit_light` (an append's look at its chain's head)
 * fetches nothing.
 */
export class BlockReader {
  static readonly #none = new BlockReader([]);
  readonly #blocks: StoredBlock[];
  readonly #open: StoredBlock[] = [];

  private constructor(blocks: StoredBlock[]) {
    this.#blocks = blocks;
  }

  /** Fetches the blocks the sealed light rows among `rows` are in. */
  static async of(exec: SqlExecutor, rows: readonly ReadRow[]): Promise<BlockReader> {
    let blocks: StoredBlock[] | undefined;
    for (const row of rows) {
      if (row.light_body !== null || !isLight(row.packed)) continue;
      blocks ??= [];
      if (find(blocks, row.chain, row.seq) !== undefined) continue;
      const found = await exec.get<{ first_seq: number; last_seq: number; data: Uint8Array }>(BLOCK_OF, [row.chain, row.seq]);
      // No block holds it (deleted, or the row was forged): the row reads as corrupt.
      if (found !== undefined && found.first_seq <= row.seq) blocks.push({ chain: row.chain, first: found.first_seq, last: found.last_seq, data: found.data });
    }
    return blocks === undefined ? BlockReader.#none : new BlockReader(blocks);
  }

  /** The body of entry `seq` of `chain` in its sealed block; undefined when no block holds it, or it is damaged. */
  bodyOf(chain: string, seq: number): Buffer | undefined {
    const block = find(this.#blocks, chain, seq);
    if (block === undefined) return undefined;
    if (block.bodies === undefined) {
      try {
        block.bodies = openBlock(block.data, block.first);
      } catch {
        block.bodies = null;
      }
      this.#open.push(block);
      if (this.#open.length > OPEN_BLOCKS) this.#open.shift()!.bodies = undefined;
    }
    return block.bodies?.get(seq);
  }
}
