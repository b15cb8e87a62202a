/**
 * @module cli/commands/cap-issue-many
 *
 * `legate cap issue --from <file|->`: provisioning a fleet from a file of
 * JSON Lines (or one JSON array), one credential per line:
 *
 * ```json
 * {"agent":"alice","capabilities":[{"action":"call","resource":"billing:refund"}],"validFor":"P30D","delegable":1}
 * ```
 *
 * Every line is checked first (its fields, its capabilities and constraints
 * against their schemas, its agent known and active), so a bad line issues
 * nothing; then the credentials are issued through `issueMany`, committed
 * 500 at a time, each with its status entries and audit entry. stdout gets
 * one JSON line per credential (`{ line, agent, id, jwt }`, `line` the
 * request's line in the file (its position in an array), or `secured` for
 * a Data Integrity one); stderr a progress bar on a terminal (or with
 * `--progress`) and a summary.
 */

import { legateError } from '../../errors/index.js';
import type { IssuedSecuredCredential } from '../../credential/issue.js';
import { assertSchema, CAPABILITIES_SCHEMA_FILE } from '../../credential/schema.js';
import type { Capability, Constraints } from '../../credential/types.js';
import { parseJson } from '../../lib/json.js';
import { checkIssueItems, MAX_ISSUE_MANY } from '../../node/issue-many.js';
import type { IssueToAgentOptions } from '../../node/issue.js';
import { withNode } from '../command.js';
import { EXIT, note, print, readInput, stderrStream, type GlobalOptions } from '../io.js';
import { checkDuration, parseFormat, parseInstant } from '../parse.js';
import { progressBar } from '../progress.js';

/** Most lines one file holds. */
export const MAX_PROVISIONING_LINES = 100_000;
/** Largest file read: a line is a few hundred bytes. */
const MAX_PROVISIONING_BYTES = 64 * 1024 * 1024;
/** Longest line: one credential's request. */
const MAX_LINE_CHARS = 64 * 1024;
const FIELDS = new Set(['agent', 'capabilities', 'constraints', 'validFor', 'validUntil', 'format', 'delegable', 'agentVersion']);
const FORMATS = ['jwt', 'di', 'jwt-vc1'] as const;

/** `fn()`, its error naming the line. */
function onLine<T>(line: number, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const e = error as { code?: string; message?: string; claim?: string };
    if (typeof e.code !== 'string' || !e.code.startsWith('ERR_')) throw error;
    throw legateError(e.code as 'ERR_INVALID_ARGUMENT', `line ${line}: ${e.message ?? ''}`, { claim: `line ${line}${e.claim === undefined ? '' : `: ${e.claim}`}` });
  }
}

/** One line's request, checked. */
function requestOf(value: unknown): IssueToAgentOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw legateError('ERR_INVALID_ARGUMENT', 'each line is a JSON object', { claim: 'line' });
  const line = value as Record<string, unknown>;
  const unknown = Object.keys(line).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) throw legateError('ERR_INVALID_ARGUMENT', `unknown field ${JSON.stringify(unknown.slice(0, 64))}`, { claim: unknown.slice(0, 64) });
  if (typeof line.agent !== 'string' || line.agent.length === 0) throw legateError('ERR_INVALID_ARGUMENT', 'agent names an agent of this node', { claim: 'agent' });
  assertSchema(CAPABILITIES_SCHEMA_FILE, line.capabilities, 'capabilities');
  // Shared constraints are the same shape as a capability's own.
  if (line.constraints !== undefined) assertSchema(CAPABILITIES_SCHEMA_FILE, [{ action: 'x', resource: 'x', constraints: line.constraints }], 'constraints');
  const text = (key: string) => {
    const v = line[key];
    if (v !== undefined && typeof v !== 'string') throw legateError('ERR_INVALID_ARGUMENT', `${key} is a string`, { claim: key });
    return v;
  };
  const validFor = text('validFor');
  const validUntil = text('validUntil');
  const format = text('format');
  const agentVersion = text('agentVersion');
  if (validFor !== undefined && validUntil !== undefined) throw legateError('ERR_INVALID_ARGUMENT', 'give validFor or validUntil, not both', { claim: 'validUntil' });
  if (validUntil !== undefined) parseInstant(validUntil, 'validUntil');
  const delegable = line.delegable;
  if (delegable !== undefined && (!Number.isInteger(delegable) || (delegable as number) < 0 || (delegable as number) > 8)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'delegable is an integer from 0 to 8', { claim: 'delegable' });
  }
  return {
    agent: line.agent,
    capabilities: line.capabilities as Capability[],
    ...(line.constraints === undefined ? {} : { constraints: line.constraints as Constraints }),
    ...(validUntil === undefined ? { validFor: checkDuration(validFor ?? 'P30D', 'validFor') } : { validUntil }),
    ...(format === undefined ? {} : { format: parseFormat(format, 'format', FORMATS) }),
    ...(delegable === undefined ? {} : { delegation: { depth: 0, maxDepth: delegable as number } }),
    ...(agentVersion === undefined ? {} : { agentVersion }),
  };
}

/**
 * The requests of a provisioning file: JSON Lines (blank lines skipped) or one JSON array.
 * @throws InputError `ERR_MALFORMED`, `ERR_INVALID_ARGUMENT`, `ERR_SCHEMA` or `ERR_INPUT_TOO_LARGE`, naming the line.
 */
export function parseProvisioning(text: string): { line: number; request: IssueToAgentOptions }[] {
  const trimmed = text.trimStart();
  const values: { line: number; value: unknown }[] = [];
  if (trimmed.startsWith('[')) {
    const array = parseJson(trimmed, '--from', { maxLength: MAX_PROVISIONING_BYTES, maxDepth: 16 }) as unknown[];
    if (!Array.isArray(array)) throw legateError('ERR_MALFORMED', '--from holds JSON Lines or one JSON array', { claim: '--from' });
    array.forEach((value, i) => values.push({ line: i + 1, value }));
  } else {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!.trim();
      if (raw.length === 0) continue;
      if (values.length === MAX_PROVISIONING_LINES) throw legateError('ERR_INPUT_TOO_LARGE', `--from holds more than ${MAX_PROVISIONING_LINES} requests`, { claim: '--from' });
      values.push({ line: i + 1, value: onLine(i + 1, () => parseJson(raw, 'line', { maxLength: MAX_LINE_CHARS, maxDepth: 16 })) });
    }
  }
  if (values.length === 0) throw legateError('ERR_INVALID_ARGUMENT', '--from holds no request', { claim: '--from' });
  if (values.length > MAX_PROVISIONING_LINES) throw legateError('ERR_INPUT_TOO_LARGE', `--from holds more than ${MAX_PROVISIONING_LINES} requests`, { claim: '--from' });
  return values.map(({ line, value }) => ({ line, request: onLine(line, () => requestOf(value)) }));
}

function lineOf(line: number, agent: string, issued: IssuedSecuredCredential): string {
  return `${JSON.stringify({ line, agent, id: issued.id, ...('secured' in issued ? { secured: issued.secured } : { jwt: issued.jwt }) })}\n`;
}

/** `legate cap issue --from <file|->`. */
export async function issueFromFile(globals: GlobalOptions, file: string, options: { progress?: boolean }): Promise<number> {
  const lines = parseProvisioning(readInput(file, MAX_PROVISIONING_BYTES));
  const requests = lines.map((l) => l.request);
  return withNode(globals, async (node) => {
    // Every line's agent is checked before the first credential is written.
    await checkIssueItems(node, requests).catch((error: unknown) => {
      const index = /^items\[(\d+)\]/.exec((error as { claim?: string }).claim ?? '')?.[1];
      if (index === undefined) throw error;
      const e = error as { code: 'ERR_INVALID_ARGUMENT'; message: string };
      throw legateError(e.code, `line ${lines[Number(index)]!.line}: ${e.message.replace(/^item \d+: /, '')}`, { claim: `line ${lines[Number(index)]!.line}` });
    });
    const err = stderrStream();
    const bar = options.progress === true || err.tty ? progressBar(err.stream, requests.length) : undefined;
    const started = performance.now();
    let done = 0;
    for (let start = 0; start < requests.length; start += MAX_ISSUE_MANY) {
      const part = requests.slice(start, start + MAX_ISSUE_MANY);
      const issued = await node.services.issuance.issueMany(part, { onProgress: ({ issued: n }) => bar?.update(done + n) });
      print(issued.map((credential, i) => lineOf(lines[start + i]!.line, part[i]!.agent, credential)).join(''));
      done += issued.length;
    }
    bar?.end();
    const seconds = (performance.now() - started) / 1000;
    note(`issued ${done} credentials to ${new Set(requests.map((r) => r.agent)).size} agents in ${seconds.toFixed(1)} s`);
    return EXIT.ok;
  });
}
