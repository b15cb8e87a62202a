// `legate verify` of a delegated credential checks its chain (#13 item 5), through the built CLI, no server.
//   acme (did:web:localhost%3A9) -> alice -> helper (did:key)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';

describe('legate verify: delegated credentials and their chains', { timeout: 120_000 }, () => {
  let dir: string;
  let d: string[];
  let other: string[];
  let helperDid: string;
  const save = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  /** acme -> alice (delegable) -> helper: the files of the parent and the child, and their ids. */
  const delegation = async (tag: string, from = 'alice', to = helperDid) => {
    const parent = await legate([...d, 'cap', 'issue', from, '--action', 'call', '--resource', 'billing:refund', '--delegable', '1', '--json']);
    expect(parent.code, parent.stderr).toBe(0);
    const p = parent.json() as { id: string; jwt: string };
    const child = await legate([...d, 'cap', 'delegate', '--from', from, '--credential', p.id, '--to', to, '--action', 'call', '--resource', 'billing:refund', '--json']);
    expect(child.code, child.stderr).toBe(0);
    const c = child.json() as { id: string; jwt: string };
    return { parent: { ...p, file: save(`${tag}-parent.jwt`, p.jwt) }, child: { ...c, file: save(`${tag}-child.jwt`, c.jwt) } };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-verify-chain-'));
    d = ['--data', join(dir, 'acme')];
    // A second node knows nothing of acme's credentials: it has no chain unless one is given.
    other = ['--data', join(dir, 'other')];
    // Loopback domains with a closed port: nothing here may reach the internet.
    expect((await legate([...d, 'init', '--domain', 'localhost:9'])).code).toBe(0);
    expect((await legate([...other, 'init', '--domain', 'localhost:8'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'helper', '--owner', OWNER, '--method', 'key'])).code).toBe(0);
    helperDid = ((await legate([...d, 'agent', 'show', 'helper', '--json'])).json() as { agent: { did: string } }).agent.did;
  }, 120_000);

  it('verifies a child with its chain from the store, and a child of a revoked parent fails: exit 1, ERR_REVOKED', async () => {
    const { parent, child } = await delegation('revoked');
    const ok = await legate([...d, 'verify', child.file, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json()).toMatchObject({ verified: true, chainChecked: true, chain: [parent.id, child.id] });
    expect((await legate([...d, 'cap', 'revoke', parent.id])).code).toBe(0);
    const run = await legate([...d, 'verify', child.file, '--json']);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ verified: false, errors: [{ code: 'ERR_REVOKED' }] });
    const human = await legate([...d, 'verify', child.file]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^NOT verified: 1 failed check\n {2}ERR_REVOKED/);
  });

  it('a missing chain is not verified: exit 1 with ERR_CHAIN_INVALID (chain-unavailable); --unchecked-chain says the chain was not checked', async () => {
    const { child } = await delegation('missing');
    const run = await legate([...other, 'verify', child.file, '--json']);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ verified: false, chainChecked: false, errors: [{ code: 'ERR_CHAIN_INVALID', reason: 'chain-unavailable' }] });
    const human = await legate([...other, 'verify', child.file]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/ERR_CHAIN_INVALID {2}the delegation chain is not available/);
    const unchecked = await legate([...d, 'verify', child.file, '--unchecked-chain', '--chain', save('empty.json', '[]')]);
    // acme's node has the chain in its store, so it is checked even so.
    expect(unchecked.stdout).toMatch(/^verified\n/);
    const alone = await legate([...other, 'verify', child.file, '--unchecked-chain', '--no-status']);
    // At the other node acme's DIDs cannot be resolved (closed port), but the verdict says the chain went unchecked.
    expect(alone.stdout).toMatch(/\(its delegation chain was NOT checked\)/);
  });

  it('--chain supplies the parents: the revocation shows, and a garbage chain file is ERR_MALFORMED', async () => {
    const { parent, child } = await delegation('flag');
    const chain = save('chain.txt', `${parent.jwt}\n`);
    // The other node cannot resolve acme's DIDs or fetch its lists: the chain is assembled, and fails on resolution, not for being absent.
    const run = await legate([...other, 'verify', child.file, '--chain', chain, '--json']);
    expect(run.code).toBe(1);
    const body = run.json() as { chainChecked: boolean; errors: { code: string; reason?: string }[] };
    expect(body.chainChecked).toBe(true);
    // That node does not trust acme: the root is refused before anything is fetched, and the child is not looked at.
    expect(body.errors.map((e) => e.code)).toEqual(['ERR_UNTRUSTED_ISSUER', 'ERR_CHAIN_INVALID']);
    expect(body.errors.map((e) => e.reason)).not.toContain('chain-unavailable');
    // At acme with --chain given as a JSON array, and after a revocation.
    expect((await legate([...d, 'verify', child.file, '--chain', save('chain.json', JSON.stringify([parent.jwt])), '--json'])).code).toBe(0);
    expect((await legate([...d, 'cap', 'revoke', parent.id])).code).toBe(0);
    expect((await legate([...d, 'verify', child.file, '--chain', chain, '--json'])).json()).toMatchObject({ errors: [{ code: 'ERR_REVOKED' }] });
    expect((await legate([...d, 'verify', child.file, '--chain', save('bad.json', '{"x":1}'), '--json'])).json()).toMatchObject({ error: { code: 'ERR_MALFORMED' } });
  });

  it('verifies a presentation from legate present, with the chains it carries', async () => {
    // dave -> erin (did:key): erin presents the child with its parent.
    expect((await legate([...d, 'agent', 'create', 'dave', '--owner', OWNER])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'erin', '--owner', OWNER, '--method', 'key'])).code).toBe(0);
    const erin = ((await legate([...d, 'agent', 'show', 'erin', '--json'])).json() as { agent: { did: string } }).agent.did;
    const { parent } = await delegation('presented', 'dave', erin);
    const present = await legate([...d, 'present', '--agent', 'erin', '--aud', 'did:web:verifier.example', '--nonce', 'n-1']);
    expect(present.code, present.stderr).toBe(0);
    const file = save('alice.vp', present.stdout);
    const run = await legate([...d, 'verify', file, '--json']);
    expect(run.code, run.stdout).toBe(0);
    expect(run.json()).toMatchObject({ verified: true, presentation: true, credentials: [{ verified: true, chain: [parent.id, expect.any(String)] }] });
    expect((await legate([...d, 'verify', file, '--presentation'])).stdout).toMatch(/^verified\n/);
    expect((await legate([...d, 'cap', 'revoke', parent.id])).code).toBe(0);
    const revoked = await legate([...d, 'verify', file, '--presentation', '--json']);
    expect(revoked.code).toBe(1);
    expect(JSON.stringify(revoked.json())).toContain('ERR_REVOKED');
    const notVp = await legate([...d, 'verify', save('child-as-vp.jwt', parent.jwt), '--presentation', '--json']);
    expect(notVp.json()).toMatchObject({ error: { code: 'ERR_MALFORMED' } });
  });
});
