// `legate token` as acme (its own `legate serve`, run in process) asking the bank's authorization server
// (a node in this process) for access tokens, and `legate token inspect` reading them:
//   acme: carol (owner) -> alice          bank: accredits acme for read:accounts:*, AS for RESOURCE
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopKeyFromPrivateJwk } from '../../src/oauth/dpop.js';
import { accredit } from '../../src/node/registry.js';
import type { RequestedToken } from '../../src/node/oauth/types.js';
import { freePort, type RunningNode } from '../helpers/federation.js';
import { RESOURCE, startBank } from '../interop/oauth-nodes.js';
import { legate, serveInProcess, type ServingInProcess } from './helpers.js';

const env = { LEGATE_ALLOW_HTTP_LOOPBACK: '1' };
const OWNER = 'mailto:carol@acme.example';

describe('legate token, legate token inspect', () => {
  let dir: string;
  let d: string[];
  let bank: RunningNode;
  let alice: string;
  let serve: ServingInProcess | undefined;
  const run = async (args: string[], data = d) => await legate([...data, ...args], { env });
  const ask = (extra: string[] = [], agent = 'alice') => run(['token', agent, '--from', bank.url, '--resource', RESOURCE, ...extra]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-token-cli-'));
    d = ['--data', join(dir, 'acme')];
    bank = await startBank(dir);
    const port = await freePort();
    expect((await run(['init', '--domain', `localhost:${port}`, '--name', 'Acme'])).code).toBe(0);
    alice = ((await run(['agent', 'create', 'alice', '--owner', OWNER, '--json'])).json() as { did: string }).did;
    expect((await run(['cap', 'issue', 'alice', '--action', 'read', '--resource', 'accounts:checking'])).code).toBe(0);
    expect((await run(['cap', 'issue', 'alice', '--action', 'write', '--resource', 'crm:tickets'])).code).toBe(0);
    await accredit(bank.node, { issuer: `did:web:localhost%3A${port}`, capabilities: ['read:accounts:*'] });
    serve = await serveInProcess(d, ['--port', String(port)], env);
  });
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
    await bank?.server.close();
  });

  it('obtains a DPoP-bound token (--json): the token, its key, what was refused with its code', async () => {
    const result = await ask(['--scope', 'read:accounts:checking write:crm:tickets', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const token = result.json() as RequestedToken;
    expect(token).toMatchObject({ tokenType: 'DPoP', scope: 'read:accounts:checking', rejected: [{ action: 'write', resource: 'crm:tickets', code: 'ERR_UNTRUSTED_ISSUER' }] });
    expect(token.accessToken.split('.')).toHaveLength(3);
    // The private key printed is a usable DPoP key, the one the token is bound to.
    expect(dpopKeyFromPrivateJwk(token.dpop!.privateJwk).jkt).toBe(token.dpop!.jkt);
    expect(JSON.parse(Buffer.from(token.accessToken.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ cnf: { jkt: token.dpop!.jkt }, sub: OWNER, client_id: alice });
  });

  it('prints the human form, and keeps the DPoP key in a new owner-only file with --dpop-key', async () => {
    const file = join(dir, 'alice.dpop.jwk');
    const result = await ask(['--scope', 'read:accounts:checking', '--dpop-key', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^DPoP access token, expires in \d+ s \(/);
    expect(result.stdout).toContain('  scope     read:accounts:checking\n');
    const jkt = /dpop key {2}jkt=(\S+) {2}in /.exec(result.stdout)?.[1];
    expect(dpopKeyFromPrivateJwk(JSON.parse(readFileSync(file, 'utf8'))).jkt).toBe(jkt);
    expect(statSync(file).mode & 0o077).toBe(0);
    // Never over an existing file.
    const again = await ask(['--scope', 'read:accounts:checking', '--dpop-key', file, '--json']);
    expect(again.code).toBe(2);
    expect(again.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--dpop-key' } });
  });

  it('asks for every capability the agent holds when --scope is left out', async () => {
    const result = await ask(['--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ scope: 'read:accounts:checking', rejected: [{ action: 'write', code: 'ERR_UNTRUSTED_ISSUER' }] });
  });

  it('token inspect: header, claims, the owner and chain, the capabilities; verified only against a named or own issuer', async () => {
    const token = (await ask(['--scope', 'read:accounts:checking', '--json'])).json() as RequestedToken;
    const file = join(dir, 'token.json');
    writeFileSync(file, JSON.stringify(token));

    const named = await run(['token', 'inspect', token.accessToken, '--issuer', bank.url]);
    expect(named.code, named.stdout + named.stderr).toBe(0);
    expect(named.stdout).toContain('"typ":"at+jwt"');
    expect(named.stdout).toContain(`attribution  ${OWNER} -> ${alice}\n`);
    expect(named.stdout).toContain('  capability read accounts:checking');
    expect(named.stdout).toContain(`verified     by ${bank.url} for ${RESOURCE}`);

    // Not named, not this node's own: decoded, never fetched, not verified (exit 1).
    const unnamed = await run(['token', 'inspect', file, '--json']);
    expect(unnamed.code).toBe(1);
    expect(unnamed.json()).toMatchObject({ claims: { iss: bank.url, sub: OWNER }, attribution: [alice, OWNER], verification: { checked: false } });
    expect((await run(['token', 'inspect', file])).stdout).toContain('not verified: pass --issuer');

    // The bank's own data directory verifies with its own keys, nothing named.
    const own = await run(['token', 'inspect', token.accessToken, '--json'], ['--data', bank.dataDir]);
    expect(own.json()).toMatchObject({ verification: { checked: true, verified: true, issuer: bank.url } });

    // Named, but the token is not that issuer's, or for another audience: exit 1 with the code.
    const wrongIssuer = await run(['token', 'inspect', token.accessToken, '--issuer', `http://localhost:${new URL(bank.url).port}/other`, '--json']);
    expect(wrongIssuer.code).toBe(1);
    expect(wrongIssuer.json()).toMatchObject({ verification: { verified: false, error: { code: 'ERR_UNTRUSTED_ISSUER' } } });
    const wrongAudience = await run(['token', 'inspect', token.accessToken, '--issuer', bank.url, '--audience', 'https://other.example', '--json']);
    expect(wrongAudience.json()).toMatchObject({ verification: { verified: false, error: { code: 'ERR_AUDIENCE' } } });
    // A tampered one fails its signature.
    const [h, p, s] = token.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mailto:mallory@evil.example' })).toString('base64url')}.${s}`;
    expect((await run(['token', 'inspect', forged, '--issuer', bank.url, '--json'])).json()).toMatchObject({ verification: { verified: false, error: { code: 'ERR_SIGNATURE_INVALID' } } });
    expect((await run(['token', 'inspect', 'not-a-token', '--json'])).code).toBe(2);
  });

  it('refuses with the code: unknown agent, issuer mismatch, resource not served, nothing grantable, missing options', async () => {
    const json = async (args: string[]) => {
      const result = await run([...args, '--json']);
      return { code: result.code, error: (result.json() as { error: { code: string; reason?: string; message: string } }).error };
    };
    expect(await json(['token', 'bob', '--from', bank.url, '--resource', RESOURCE])).toMatchObject({ code: 2, error: { code: 'ERR_NOT_FOUND' } });
    // The metadata at 127.0.0.1 says its issuer is http://localhost:<port>: another issuer (RFC 8414 §3.3).
    const mismatch = await json(['token', 'alice', '--from', bank.url.replace('localhost', '127.0.0.1'), '--resource', RESOURCE]);
    expect(mismatch).toMatchObject({ code: 2, error: { code: 'ERR_UNTRUSTED_ISSUER', reason: 'mismatch' } });
    expect(await json(['token', 'alice', '--from', bank.url, '--resource', 'https://elsewhere.example/api'])).toMatchObject({ error: { code: 'ERR_INVALID_TARGET', reason: 'invalid_target' } });
    const refused = await json(['token', 'alice', '--from', bank.url, '--resource', RESOURCE, '--scope', 'write:crm:tickets']);
    expect(refused).toMatchObject({ code: 2, error: { code: 'ERR_INVALID_SCOPE', reason: 'invalid_scope' } });
    expect(refused.error.message).toContain('write:crm:tickets ERR_UNTRUSTED_ISSUER');
    expect(await json(['token', 'alice', '--from', bank.url, '--resource', RESOURCE, '--scope', 'read'])).toMatchObject({ error: { code: 'ERR_INVALID_SCOPE' } });
    expect(await json(['token', 'alice', '--resource', RESOURCE])).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--from' } });
    expect(await json(['token', 'alice', '--from', `${bank.url}/?x=1`, '--resource', RESOURCE])).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: 'from' } });
    // A Bearer token where the bank requires DPoP.
    expect(await json(['token', 'alice', '--from', bank.url, '--resource', RESOURCE, '--bearer'])).toMatchObject({ error: { code: 'ERR_DPOP_INVALID' } });
  });
});
