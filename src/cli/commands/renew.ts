/**
 * @module cli/commands/renew
 *
 * `legate cap renew [--agent <name>] [--dry-run]`: runs the renewal job
 * once (node/renew), as `legate serve` does on its interval: every
 * credential due under the `renewal` policy is reissued, continuing its
 * lineage. For a node that never serves, run it from cron.
 */

import { hostname } from 'node:os';
import type { Command } from 'commander';
import { renewCredentials } from '../../node/renew.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println } from '../io.js';

export function registerRenew(cap: Command): void {
  const renew = cap
    .command('renew')
    .description("renew the credentials due under the node's renewal policy (what `serve` runs on its interval)")
    .option('--agent <name>', "only this agent's credentials")
    .option('--dry-run', 'list what is due, issue nothing');
  action(renew, async (globals, options: { agent?: string; dryRun?: boolean }) =>
    withNode(globals, async (node) => {
      if (node.renewal.length === 0) note('legate: no renewal policy: set one with `legate config set renewal \'[{"agent":"*","lifetime":"P1D","renewBefore":"PT6H"}]\'`');
      // One holder for every run from this host: a second run within the lease renews it instead of finding it taken.
      const holder = `legate-cli@${hostname()}`;
      const result = await renewCredentials(node, { ...(options.agent === undefined ? {} : { agent: options.agent }), dryRun: options.dryRun === true, holder });
      if (globals.json) printJson(result);
      else {
        if (!result.ran) note('another instance is running the renewal job: nothing done');
        for (const r of result.renewed) println(`${r.agent}\t${r.from}\t${r.to ?? '(due)'}\texpires ${r.expires}`);
        for (const f of result.failed) note(`legate: could not renew ${f.id}: ${f.code}`);
        if (result.more) note('more credentials are due: run again');
      }
      return result.failed.length === 0 ? EXIT.ok : EXIT.failed;
    }),
  );
}
