/**
 * @module cli/commands/status
 *
 * Revocation and suspension from the command line:
 * `legate cap revoke|suspend|reinstate <credential-id>` change a credential
 * this node issued (and republish its list); `legate status show <list-id|url>`
 * describes one of this node's lists (by id, or by the URL its credentials
 * name); `legate status check <file>` fetches
 * and reports a credential's status; `legate status decode <list-file>
 * --index <n>` reads one bit of any list credential; `legate status
 * refresh` runs the re-signing job once (cron, on a node that never serves).
 */

import type { Command } from 'commander';
import { legateError } from '../../errors/index.js';
import { securingForm } from '../../credential/verify-secured.js';
import { statusListUrl, STATUS_LIST_TTL_MS, type StatusChange } from '../../node/status.js';
import { decodeCompactJws } from '../../lib/jws.js';
import { parseJson } from '../../lib/json.js';
import { getBit } from '../../status/bitstring.js';
import { readStatusList } from '../../status/list-credential.js';
import { refreshStatusLists } from '../../node/status-refresh.js';
import { action, withNode, withStatusChecker } from '../command.js';
import { EXIT, printJson, println, readInput } from '../io.js';
import type { NodeContext } from '../../node/context.js';
import { extractToken } from './verify.js';

function countSet(bits: Uint8Array): number {
  let n = 0;
  for (const byte of bits) for (let b = byte; b !== 0; b &= b - 1) n++;
  return n;
}

/**
 * The list id `given` names: an id as it is, or this node's list URL
 * (`<node>/status/<id>`, as `credentialStatus.statusListCredential` gives it).
 * @throws `ERR_NOT_FOUND` for a URL that is not one of this node's lists.
 */
function listIdOf(node: NodeContext, given: string): string {
  if (!/^https?:\/\//i.test(given)) return given;
  const prefix = statusListUrl(node, '');
  const id = given.startsWith(prefix) ? given.slice(prefix.length) : '';
  if (id === '' || id.includes('/') || id.includes('?') || id.includes('#')) {
    throw legateError('ERR_NOT_FOUND', `${given.slice(0, 200)} is not a status list of this node (its lists are at ${prefix}<id>)`, { claim: 'list' });
  }
  return id;
}

export function registerStatusChanges(cap: Command): void {
  for (const change of ['revoke', 'suspend', 'reinstate'] as const satisfies readonly StatusChange[]) {
    const description = { revoke: 'revoke a credential (permanent)', suspend: 'suspend a credential', reinstate: 'lift a suspension' }[change];
    const done = { revoke: 'revoked', suspend: 'suspended', reinstate: 'reinstated' }[change];
    const command = cap.command(`${change} <credential-id>`).description(`${description} and republish its status list`);
    action(command, async (globals, id: string) =>
      withNode(globals, async (node) => {
        const result = await node.services.statusLists.change(id, change);
        if (globals.json) printJson(result);
        else println(`${done} ${id} (list ${result.listId}, index ${result.index}, version ${result.version})`);
        return EXIT.ok;
      }),
    );
  }
}

export function registerStatus(program: Command): void {
  const status = program.command('status').description('inspect status lists and credential status');

  const show = status
    .command('show <list-id|url>')
    .description("describe one of this node's status lists, by id or by the URL credentials name (credentialStatus.statusListCredential)");
  action(show, async (globals, given: string) =>
    withNode(globals, async (node) => {
      const { list, token } = await node.services.statusLists.published(listIdOf(node, given));
      const summary = {
        id: list.id,
        url: statusListUrl(node, list.id),
        issuer: list.issuer,
        purpose: list.purpose,
        size: list.size,
        set: countSet(list.bits),
        allocated: await node.store.countStatusAllocations(list.id),
        version: list.version,
        ttlMs: STATUS_LIST_TTL_MS,
        updatedAt: list.updatedAt,
        bytes: token.length,
      };
      if (globals.json) printJson(summary);
      else for (const [k, v] of Object.entries(summary)) println(`${k.padEnd(10)} ${String(v)}`);
      return EXIT.ok;
    }),
  );

  const refresh = status
    .command('refresh')
    .description("re-sign this node's status lists and trust list that are past half their validity (what `serve` does on a schedule; run it from cron on a node that never serves)");
  action(refresh, async (globals) =>
    withNode(globals, async (node) => {
      const result = await refreshStatusLists(node);
      if (globals.json) printJson(result);
      else if (!result.ran) println('another instance holds the status-refresh lease; nothing done');
      else {
        println(`re-signed ${result.resigned.length} list(s)`);
        if (result.trustListResigned) println('re-signed the trust list');
        for (const f of result.failed) println(`not re-signed: ${f.id}  ${f.code}`);
      }
      return result.failed.length === 0 ? EXIT.ok : EXIT.failed;
    }),
  );

  const check = status.command('check <credential-file>').description("fetch a credential's status lists and report each entry");
  action(check, async (globals, file: string) => {
    const token = extractToken(readInput(file));
    // Either securing form: only the status entries and the issuer are read here.
    const payload = securingForm(token) === 'di' ? (parseJson(token, 'credential') as Record<string, unknown>) : decodeCompactJws(token).payload;
    const results = await withStatusChecker(globals, (checker) => checker.check(payload));
    const report = results.map((r) => ({
      outcome: r.outcome,
      ...(r.entry === undefined ? {} : { purpose: r.entry.purpose, index: r.entry.index, list: r.entry.listUrl }),
      ...(r.error === undefined ? {} : { code: r.error.code, message: r.error.message }),
    }));
    if (globals.json) printJson({ ok: results.every((r) => r.outcome === 'ok'), entries: report });
    else {
      if (report.length === 0) println('no status entries');
      for (const r of report) println(`${r.outcome.padEnd(11)} ${r.purpose ?? '?'} #${r.index ?? '?'}${r.code ? `  ${r.code}  ${r.message}` : ''}`);
    }
    return results.every((r) => r.outcome === 'ok') ? EXIT.ok : EXIT.failed;
  });

  const decode = status
    .command('decode <list-credential-file>')
    .description('print one bit of a status list credential (vc+jwt or JSON), without verifying it')
    .requiredOption('--index <n>', 'the entry to read');
  action(decode, (globals, file: string, flags: { index: string }) => {
    if (!/^\d{1,10}$/.test(flags.index)) throw legateError('ERR_INVALID_ARGUMENT', '--index must be a non-negative integer', { claim: '--index' });
    const index = Number(flags.index);
    const text = readInput(file).trim();
    const credential = text.startsWith('{') ? parseJson(text, 'list credential') : decodeCompactJws(text, 1024 * 1024).payload;
    const list = readStatusList(credential);
    if (index >= list.length) {
      throw legateError('ERR_STATUS_LIST_LENGTH', `index ${index} is beyond the list's ${list.length} entries`, { claim: '--index' });
    }
    const result = { index, set: getBit(list.bits, index), purpose: list.purposes.length === 1 ? list.purposes[0] : list.purposes };
    if (globals.json) printJson(result);
    else println(`${result.set ? 'set' : 'clear'}  (index ${index} of ${list.length}, purpose ${list.purposes.join(', ')})`);
    return Promise.resolve(EXIT.ok);
  });
}

