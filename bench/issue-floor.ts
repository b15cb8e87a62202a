/**
 * The issuance floors (#19 item 4): what a durable, audited issuance cannot
 * do without, measured on this host in the same run as `issue-credential`
 * and `issue-many`, so their ratios hold while the host's speed drifts.
 *
 * - `floor-ed25519-sign`: one node:crypto Ed25519 signature over a
 *   credential's signing input (imported key, reused).
 * - `floor-issue`: that signature, then one SQLite transaction that appends
 *   the credential's JWS to one table and its audit entry's text to another
 *   and commits: two rows, each at the end of a rowid table, so about two
 *   WAL frames. A store on the same file system as the node's, opened as a
 *   node opens its own (WAL, `synchronous = NORMAL`), its checkpoints run
 *   by SQLite itself every 1,000 frames (the node runs them on a thread of
 *   their own). What a single issuance adds over it is the node's own work:
 *   status entries, indexes, the audit chain, the schema check.
 * - `floor-issue-many-rows`: the same two rows, 500 credentials to a
 *   transaction, without the signature: the calling thread's floor of a
 *   provisioning batch, whose signatures are made on another thread. The
 *   batch's floor is the slower of this and `floor-ed25519-sign`.
 */

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { signFloor } from './floor.js';
import type { BenchCase } from './case.js';

/** Credentials a batch commits together, as `issueMany` does by default. */
const CHUNK = 500;

export interface IssueFloors {
  cases: BenchCase[];
  close(): void;
}

/** The floors, over a store of their own in `dir`, for a credential `jwt` and its audit entry's text `entry`. */
export function issueFloors(dir: string, jwt: string, entry: string): IssueFloors {
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE credentials (seq INTEGER PRIMARY KEY, token TEXT NOT NULL) STRICT;
    CREATE TABLE audit (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL) STRICT;
  `);
  const putCredential = db.prepare('INSERT INTO credentials (token) VALUES (?)');
  const putEntry = db.prepare('INSERT INTO audit (entry) VALUES (?)');
  const record = (token: string) => {
    putCredential.run(token);
    putEntry.run(entry);
  };
  const one = db.transaction(record);
  const chunk = db.transaction(() => {
    for (let i = 0; i < CHUNK; i++) record(jwt);
  });
  const sign = signFloor(jwt);
  return {
    cases: [
      { name: 'floor-ed25519-sign', fn: () => sign(), perCall: 1 },
      // The signature's bytes stand in for the new JWS's last part: the row written is the credential's size.
      { name: 'floor-issue', fn: () => one(`${jwt.slice(0, jwt.lastIndexOf('.') + 1)}${sign().toString('base64url')}`), perCall: 1 },
      { name: 'floor-issue-many-rows', fn: () => chunk(), perCall: CHUNK },
    ],
    close: () => db.close(),
  };
}
