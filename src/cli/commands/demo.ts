/**
 * @module cli/commands/demo
 *
 * `legate demo`: runs the end-to-end story in a temporary directory and
 * prints a narrative (`--json`: a machine summary). Exit 0 when every step
 * behaved as expected.
 */

import type { Command } from 'commander';
import { runDemo } from '../../demo/run.js';
import { action } from '../command.js';
import { EXIT, printJson, println } from '../io.js';

export function registerDemo(program: Command): void {
  const demo = program.command('demo').description('run the end-to-end story in a temporary directory');
  action(demo, async (globals) => {
    const result = await runDemo(globals.json ? undefined : println);
    if (globals.json) printJson(result);
    return result.ok ? EXIT.ok : EXIT.failed;
  });
}
