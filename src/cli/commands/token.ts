/**
 * @module cli/commands/token
 *
 * OAuth access tokens (#15). `legate token <agent> --from <issuer>
 * --resource <url> --scope "<action:resource> …"`: an agent of this node
 * obtains a DPoP-bound token from another organization's authorization
 * server by token exchange; `--json` prints it with its DPoP key (or
 * `--dpop-key <file>` keeps the key in a file). `legate token inspect
 * <token>` decodes one and verifies it against the issuer named with
 * `--issuer`, or this node's own; no other issuer is ever contacted.
 */

import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { legateError } from '../../errors/index.js';
import { parseJson } from '../../lib/json.js';
import type { InspectedToken } from '../../node/oauth/inspect-token.js';
import type { RequestedToken } from '../../node/oauth/types.js';
import type { LegateAuthorizationDetail } from '../../oauth/types.js';
import { actorFirst } from '../attribution.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println, readInput, type GlobalOptions } from '../io.js';
import { collect } from '../parse.js';
import { isInitialized } from '../../node/open.js';

interface TokenFlags {
  from?: string;
  resource?: string;
  scope?: string[];
  bearer?: boolean;
  dpopKey?: string;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw legateError('ERR_INVALID_ARGUMENT', `${flag} is required`, { claim: flag });
  return value;
}

/** Writes the private DPoP key for the process that will use the token: owner-only, never over an existing file. */
function keepKey(file: string, jwk: Record<string, string>): void {
  try {
    writeFileSync(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw legateError('ERR_INVALID_ARGUMENT', `cannot write the DPoP key to ${file}`, { claim: '--dpop-key', cause });
  }
}

function printRequested(globals: GlobalOptions, token: RequestedToken, keyFile: string | undefined): void {
  // With --dpop-key the private key went to the file: the output names it instead.
  const shown = keyFile === undefined || token.dpop === undefined ? token : { ...token, dpop: { jkt: token.dpop.jkt, keyFile } };
  if (globals.json) return printJson(shown);
  const expires = new Date(Date.now() + token.expiresIn * 1000).toISOString();
  println(`${token.tokenType} access token, expires in ${token.expiresIn} s (${expires})`);
  println(`  token     ${token.accessToken}`);
  println(`  scope     ${token.scope}`);
  for (const r of token.rejected) println(`  rejected  ${r.action} ${r.resource}${r.scope === undefined ? '' : ` scope=${r.scope}`}  ${r.code}`);
  if (token.dpop !== undefined) println(`  dpop key  jkt=${token.dpop.jkt}  ${keyFile === undefined ? 'not kept: use --json or --dpop-key <file>' : `in ${keyFile}`}`);
}

function describeDetail(d: LegateAuthorizationDetail): string {
  const parts = [d.action, d.resource];
  if (d.scope !== undefined) parts.push(`scope=${d.scope}`);
  if (d.constraints !== undefined) parts.push(`constraints=${JSON.stringify(d.constraints)}`);
  if (d.credentialConstraints !== undefined) parts.push(`credential-constraints=${JSON.stringify(d.credentialConstraints)}`);
  if (d.credential !== undefined) parts.push(`(${d.credential})`);
  return parts.join(' ');
}

/** A claim as text: strings as they are, anything else as JSON. */
const text = (value: unknown) => (value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value));
const time = (value: unknown) => (typeof value === 'number' ? new Date(value * 1000).toISOString() : '-');

function printInspected(globals: GlobalOptions, inspected: InspectedToken): void {
  if (globals.json) return printJson(inspected);
  const { header, claims, attribution, verification } = inspected;
  println(`header       ${JSON.stringify(header)}`);
  for (const name of ['iss', 'aud', 'client_id', 'jti'] as const) println(`${name.padEnd(12)} ${text(claims[name])}`);
  println(`issued       ${time(claims.iat)}`);
  println(`expires      ${time(claims.exp)}`);
  const cnf = claims.cnf as { jkt?: unknown } | undefined;
  println(`bound to     ${typeof cnf?.jkt === 'string' ? `DPoP key jkt=${cnf.jkt}` : 'nothing (a Bearer token)'}`);
  // attributionOf lists the current actor first; printed authority first, as every command does.
  println(`attribution  ${attribution.length === 0 ? '-' : actorFirst(attribution)}`);
  println(`scope        ${text(claims.scope)}`);
  const details = Array.isArray(claims.authorization_details) ? (claims.authorization_details as LegateAuthorizationDetail[]) : [];
  for (const d of details) println(`  capability ${describeDetail(d)}`);
  if (!verification.checked) println('not verified: pass --issuer <authorization server URL>');
  else if (verification.verified) println(`verified     by ${verification.issuer} for ${verification.audience}`);
  else println(`not verified against ${verification.issuer}: ${verification.error.code}: ${verification.error.message}`);
}

export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .description("obtain an OAuth access token for an agent of this node from another organization's authorization server")
    .argument('<agent>', 'the agent of this node the token is for')
    .option('--from <url>', "the authorization server's issuer URL (required)")
    .option('--resource <url>', 'the resource (RFC 8707) the token is for (required)')
    .option('--scope <capabilities>', 'space-separated <action>:<resource>[#<scope>] (repeatable; default: every capability the agent holds)', collect)
    .option('--bearer', 'ask for a Bearer token instead of a DPoP-bound one (only where the server allows it)', false)
    .option('--dpop-key <file>', 'write the private DPoP key (a JWK) to this new file, for the process that uses the token');
  action(token, async (globals, agent: string, flags: TokenFlags) => {
    const from = required(flags.from, '--from');
    const resource = required(flags.resource, '--resource');
    if (flags.dpopKey !== undefined && existsSync(flags.dpopKey)) throw legateError('ERR_INVALID_ARGUMENT', `${flags.dpopKey} exists: the DPoP key is written to a new file`, { claim: '--dpop-key' });
    return withNode(globals, async (node) => {
      const scope = flags.scope?.flatMap((s) => s.split(' ')).filter((s) => s !== '');
      const requested = await node.services.oauth.requestToken({ agent, from, resource, ...(scope === undefined ? {} : { scope }), bearer: flags.bearer === true });
      if (flags.dpopKey !== undefined && requested.dpop !== undefined) keepKey(flags.dpopKey, requested.dpop.privateJwk);
      printRequested(globals, requested, requested.dpop === undefined ? undefined : flags.dpopKey);
      return EXIT.ok;
    });
  });

  const inspect = token
    .command('inspect <token>')
    .description('decode an access token and verify it against a named issuer (or this node\'s own)')
    .option('--issuer <url>', 'the authorization server to verify against (its JWKS is fetched)')
    .option('--audience <url>', 'the audience the token must have (default: its own aud)');
  action(inspect, async (globals, text: string, flags: { issuer?: string; audience?: string }) => {
    // A token, a file holding one, `-` for stdin, or `legate token --json` output.
    const raw = (text === '-' || existsSync(text) ? readInput(text) : text).trim();
    const value = raw.startsWith('{') ? (parseJson(raw, 'token') as { accessToken?: unknown }).accessToken : raw;
    if (typeof value !== 'string') throw legateError('ERR_MALFORMED', 'JSON input must carry an accessToken', { claim: 'token' });
    const { inspectAccessToken } = await import('../../node/oauth/inspect-token.js');
    const options = { ...(flags.issuer === undefined ? {} : { issuer: flags.issuer }), ...(flags.audience === undefined ? {} : { audience: flags.audience }) };
    let inspected: InspectedToken;
    if (isInitialized(globals.data, globals.database)) inspected = await withNode(globals, (node) => inspectAccessToken(value, { ...options, http: node.http, node, clock: node.clock }));
    else {
      const { createHttpClient } = await import('../../lib/http-client.js');
      const http = createHttpClient({ allowHttpLoopback: globals.allowHttpLoopback });
      try {
        inspected = await inspectAccessToken(value, { ...options, http });
      } finally {
        await http.close();
      }
    }
    printInspected(globals, inspected);
    const v = inspected.verification;
    if (!v.checked || v.verified) return v.checked ? EXIT.ok : EXIT.failed;
    return v.error.code === 'ERR_PEER_UNREACHABLE' || v.error.code === 'ERR_PEER_TIMEOUT' ? EXIT.unreachable : EXIT.failed;
  });
}
