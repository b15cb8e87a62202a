/**
 * @module cli/commands/store
 *
 * The node's database: `legate store check [--quick]` runs SQLite's
 * integrity check on `legate.db` read-only (safe beside a running
 * `legate serve`) and exits 1 with `ERR_STORE_CORRUPT` when it finds damage;
 * `legate store sweep` deletes what has expired (sessions, acknowledges,
 * replay claims, usage no limit can count any more), as `legate serve` does
 * every minute; `legate store migrate --to postgres://…` copies `legate.db`
 * into an empty PostgreSQL database (one transaction; the file is only read)
 * and says how to run the node on it: the URL goes in `LEGATE_DATABASE_URL`,
 * never in a file, and is printed with its password masked.
 */

import type { Command } from 'commander';
import { checkNodeDatabase, corruptStoreError } from '../../node/integrity.js';
import { maskDatabaseUrl } from '../../node/store-location.js';
import { migrateNodeStore } from '../../node/store-migrate.js';
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
    .description("check the store: SQLite's integrity check on legate.db (read-only), or the PostgreSQL store's; exit 1 with ERR_STORE_CORRUPT on damage")
    .option('--quick', 'check page structure only (quick_check), not every index against its table', false);
  action(check, async (globals, flags: { quick: boolean }) => {
    const report = await checkNodeDatabase(globals.data, { quick: flags.quick, database: globals.database });
    if (!report.ok) {
      printIntegrityFailure(globals, report);
      return EXIT.failed;
    }
    if (globals.json) printJson({ ok: true, mode: report.mode, problems: [] });
    else if (globals.database !== undefined && globals.database !== '') println(`store ok: ${maskDatabaseUrl(globals.database)} answers (PostgreSQL checks its own pages; SQLite's integrity check is for legate.db)`);
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

  const migrate = store
    .command('migrate')
    .description('copy this node from legate.db into an empty PostgreSQL database (one transaction; legate.db is only read)')
    .requiredOption('--to <url>', 'the target database, postgres://user:password@host:port/db (never written to a file or printed)');
  action(migrate, async (globals, flags: { to: string }) => {
    const result = await migrateNodeStore(globals.data, flags.to, {
      onTable: ({ table, rows }) => {
        if (!globals.json) note(`copied ${table}: ${rows} row${rows === 1 ? '' : 's'}`);
      },
    });
    if (globals.json) printJson({ ok: true, database: result.database, rows: result.rows, tables: result.tables });
    else {
      println(`moved ${result.rows} rows in ${result.tables.length} tables into ${result.database}`);
      println(`${globals.data}/legate.db is untouched. From now on run this node (and every instance of it) with`);
      println(`  LEGATE_DATABASE_URL=${result.database}`);
      println('with the real password in place of ***, in the environment: never in the config file.');
      println('A node started without it still opens legate.db: move the file aside once the new store is in use.');
    }
    return EXIT.ok;
  });
}
