/**
 * @module store/sql/approvals
 *
 * The organization's approvers over a {@link SqlExecutor}: table
 * `approvers`, one row per DID with its position in the list. Inside a
 * transaction, reading the list takes its lock ({@link lockKey}): what is
 * read there is read to replace it, and two instances must not both add to
 * the list they read. Internal.
 */

import type { ApprovalRepository } from '../ports/approvals.js';
import { lockKey, type SqlExecutor } from './executor.js';

export function createApprovalRepository(exec: SqlExecutor): ApprovalRepository {
  return {
    async listApprovers() {
      await exec.lock(lockKey.approvers());
      return (await exec.all<{ did: string }>('SELECT did FROM approvers ORDER BY position')).map((row) => row.did);
    },
    async putApprovers(dids) {
      await exec.run('DELETE FROM approvers');
      let position = 0;
      for (const did of new Set(dids)) await exec.run('INSERT INTO approvers (did, position) VALUES (?, ?)', [did, position++]);
    },
  };
}
