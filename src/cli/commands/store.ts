/**
 * @module cli/commands/store
 *
 * The node's database: `legate store check [--quick]` runs SQLite's
 * integrity check on `legate.db` read-only (safe beside a running
 * `legate serve`) and exits 1 with `ERR_STORE_CORRUPT` when it finds damage;
 * `legate store sweep` deletes what has expired (sessions, acknowledges,
 * replay claims, usage no limit can count any more), as `legate serve` does
 * every minute.
 */

import type { Command } from 'commander';
import { checkNodeDatabase, corruptStoreError } from '../../node/integrity.js';
import { sweepNode } from '../../node/sweep.js';
import type { IntegrityReport } from '../../store/types.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println, type GlobalOptions } from '../io.js';

/** Prints a failed integrity check (shared with `legate audit verify`). */
export function printIntegrityFailure(globals: GlobalOptions, report: IntegrityReport): void {
  const error = corruptStoreError(report);
  if (globals.json) printJson({ ok: false, error: error.toJSON(), mode: report.mode, problems: report.problems });
  else {
    note(`legate: ${error.code}: ${error.message}`);
    for (const problem of report.problems) println(`  ${problem}`);
  }
}

export function registerStore(program: Command): void {
  const store = program.command('store').description("check and tidy this node's database");

  const check = store
    .command('check')
    .description("run SQLite's integrity check on legate.db (read-only); exit 1 with ERR_STORE_CORRUPT on damage")
    .option('--quick', 'check page structure only (quick_check), not every index against its table', false);
  action(check, async (globals, flags: { quick: boolean }) => {
    const report = await checkNodeDatabase(globals.data, { quick: flags.quick, database: globals.database });
    if (!report.ok) {
      printIntegrityFailure(globals, report);
      return EXIT.failed;
    }
    if (globals.json) printJson({ ok: true, mode: report.mode, problems: [] });
    else println(`store ok: ${globals.data}/legate.db passed SQLite's ${report.mode === 'quick' ? 'quick ' : ''}integrity check`);
    return EXIT.ok;
  });

  const sweep = store.command('sweep').description('delete expired sessions, acknowledges, replay claims and usage rows now');
  action(sweep, (globals) =>
    withNode(globals, async (node) => {
      const result = await sweepNode(node);
      if (globals.json) printJson(result);
      else {
        const parts = Object.entries(result).map(([kind, count]) => `${count} ${kind}`);
        println(`swept ${parts.join(', ')}`);
      }
      return EXIT.ok;
    }),
  );
}
