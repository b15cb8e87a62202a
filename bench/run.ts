/**
 * Legate's benchmark suite: Legate beside did-jwt-vc and Veramo on the same
 * inputs, in one process and one run, reported as ops/s and ratios (never as
 * pass/fail unit tests). Writes bench/results/latest.json.
 *
 * Run: npm run bench            (about a minute)
 *      npm run bench -- --smoke (a few iterations each: checks it runs)
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { createVerifiableCredentialJwt, verifyCredential as didJwtVcVerify, type Issuer } from 'did-jwt-vc';
import { createAgent as createVeramoAgent, type ICredentialPlugin, type IResolver, type TAgent } from '@veramo/core';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { Resolver } from 'did-resolver';
import { getResolver as keyDidResolver } from 'key-did-resolver';
import { issueCapabilityCredential, verifyCapabilityCredential } from 'legate/credential';
import { createDidResolver, buildOrganizationDidDocument } from 'legate/did';
import { delegateCapability, verifyChain } from 'legate/delegation';
import { createPresentation, verifyPresentation } from 'legate/presentation';
import { generateEphemeralSigner, toDidJwtSigner, type Signer } from 'legate/keys';
import { createAgent, initNode, issueToAgent, openNode, handshake, act, accredit } from 'legate/node';
import { startServer } from 'legate/server';
import { createList, decodeList, encodeList, getBit, setBit, createStatusChecker, issueStatusListCredential } from 'legate/status';
import { createVerifierPool } from 'legate/pool';
import { floor } from './floor.js';

const smoke = process.argv.includes('--smoke');
const time = smoke ? 20 : 1000;
const bench = new Bench({ time, warmupTime: smoke ? 5 : 200, warmupIterations: smoke ? 2 : 10, iterations: smoke ? 3 : 10 });

interface Row {
  name: string;
  opsPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
  vsFloor?: number;
  vsDidJwtVc?: number;
  vsVeramo?: number;
}

const subject = (id: string) => ({
  id,
  owner: 'mailto:carol@acme.example',
  capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }],
  delegation: { depth: 0, maxDepth: 2 },
});

// --- inputs ----------------------------------------------------------------------
const issuerKey: Signer & { did: string } = generateEphemeralSigner();
const aliceKey = generateEphemeralSigner();
const subKey = generateEphemeralSigner();
const keyResolver = createDidResolver();

const legateVc = await issueCapabilityCredential({ issuer: issuerKey.did, signer: issuerKey, subject: subject(aliceKey.did) });
const didJwtIssuer: Issuer = { did: issuerKey.did, signer: toDidJwtSigner(issuerKey), alg: 'EdDSA' };
const vc11 = await createVerifiableCredentialJwt(
  { sub: aliceKey.did, nbf: Math.floor(Date.now() / 1000), vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: { owner: 'mailto:carol@acme.example' } } },
  didJwtIssuer,
);
const didResolver = new Resolver(keyDidResolver());
const veramo: TAgent<ICredentialPlugin & IResolver> = createVeramoAgent({
  plugins: [new DIDResolverPlugin({ resolver: didResolver }), new CredentialPlugin([new CredentialProviderJWT()])],
});
if (!(await veramo.verifyCredential({ credential: vc11 })).verified) throw new Error('Veramo does not verify the input credential');
if (!(await verifyCapabilityCredential(legateVc.jwt, { resolver: keyResolver })).verified) throw new Error('Legate does not verify its credential');

// did:web issuer with cached resolution
const webDid = 'did:web:acme.example';
const webSigner = { ...issuerKey, kid: `${webDid}#key-1` };
const webDoc = buildOrganizationDidDocument({ did: webDid, keys: [{ kid: webSigner.kid, publicKey: issuerKey.publicKey }] });
const webResolver = createDidResolver({ local: (did) => Promise.resolve(did === webDid ? webDoc : undefined) });
const webVc = await issueCapabilityCredential({ issuer: webDid, signer: webSigner, subject: subject(aliceKey.did) });

// a 2-link chain in a presentation
const child = await delegateCapability({ parent: legateVc.credential, signer: aliceKey, to: subKey.did, capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 20, currency: 'USD' } } }] });
const vp = await createPresentation({ signer: subKey, credentials: [child.jwt, legateVc.jwt], audience: webDid, nonce: 'n', lifetimeSeconds: 3600 });
if (!(await verifyPresentation(vp, { resolver: keyResolver, audience: webDid, nonce: 'n' })).verified) throw new Error('presentation does not verify');
if (!(await verifyChain([legateVc.jwt, child.jwt], { resolver: keyResolver })).verified) throw new Error('chain does not verify');

// status lists
const list16k = createList(131_072);
setBit(list16k, 4242, true);
const encoded16k = encodeList(list16k);
const list1m = createList(8 * 1024 * 1024);
setBit(list1m, 4242, true);
const encoded1m = encodeList(list1m);
const listUrl = 'https://acme.example/status/r-1';
const { jwt: listJwt } = await issueStatusListCredential({ id: listUrl, issuer: webDid, purpose: 'revocation', bits: list16k, signer: webSigner, validUntil: new Date(Date.now() + 86_400_000), ttlMs: 3_600_000 });
const checker = createStatusChecker({ resolver: webResolver, local: (url) => Promise.resolve(url === listUrl ? listJwt : undefined) });
const withStatus = { ...legateVc.credential, issuer: webDid, credentialStatus: [{ id: `${listUrl}#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: listUrl }] };
await checker.statusErrors(withStatus);

// issuance with status allocation in SQLite
const root = mkdtempSync(join(tmpdir(), 'legate-bench-'));
await initNode({ dataDir: join(root, 'acme'), domain: 'acme.example' });
const node = await openNode({ dataDir: join(root, 'acme') });
await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });

// --- cases -----------------------------------------------------------------------
const floorVerify = floor(legateVc.jwt, issuerKey.publicKey);
bench
  .add('floor-ed25519-verify', () => floorVerify())
  .add('verify-credential', async () => void (await verifyCapabilityCredential(legateVc.jwt, { resolver: keyResolver })))
  .add('did-jwt-vc-verify-credential', async () => void (await didJwtVcVerify(vc11, didResolver)))
  .add('veramo-verify-credential', async () => void (await veramo.verifyCredential({ credential: vc11 })))
  .add('verify-credential-didweb', async () => void (await verifyCapabilityCredential(webVc.jwt, { resolver: webResolver })))
  .add('verify-presentation-chain2', async () => void (await verifyPresentation(vp, { resolver: keyResolver, audience: webDid, nonce: 'n' })))
  .add('issue-credential', async () => void (await issueToAgent(node, { agent: 'alice', capabilities: subject('x').capabilities })))
  .add('did-jwt-vc-create-credential', async () => void (await createVerifiableCredentialJwt({ sub: aliceKey.did, nbf: 1, vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: { owner: 'mailto:carol@acme.example' } } }, didJwtIssuer)))
  .add('status-decode-16k', () => void getBit(decodeList(encoded16k), 4242))
  .add('status-decode-1m', () => void getBit(decodeList(encoded1m, { maxInflatedBytes: 2 * 1024 * 1024 }), 4242))
  .add('status-lookup-cached', async () => void (await checker.statusErrors(withStatus)));

// Worker pools: batches of 256 distinct tokens (ops/s below are tokens per second).
const POOL_BATCH = 256;
const poolTokens = await Promise.all(
  Array.from({ length: POOL_BATCH }, (_, i) => issueCapabilityCredential({ issuer: issuerKey.did, signer: issuerKey, subject: { ...subject(aliceKey.did), capabilities: [{ action: 'call', resource: `billing:r${i}` }] } }).then((c) => c.jwt)),
);
const pool1 = createVerifierPool({ size: 1 });
const pool2 = createVerifierPool({ size: 2 });
await pool1.verifyBatch(poolTokens);
await pool2.verifyBatch(poolTokens);
bench
  .add('pool-verify-1', async () => void (await pool1.verifyBatch(poolTokens)))
  .add('pool-verify-2', async () => void (await pool2.verifyBatch(poolTokens)));

// A full handshake and one signed action over loopback HTTP.
const bankRoot = join(root, 'bank');
const supportRoot = join(root, 'support');
const { createServer } = await import('node:net');
const port = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
const [bankPort, supportPort] = [await port(), await port()];
await initNode({ dataDir: bankRoot, domain: `localhost:${bankPort}` });
await initNode({ dataDir: supportRoot, domain: `localhost:${supportPort}` });
const bank = await openNode({ dataDir: bankRoot, allowHttpLoopback: true });
const support = await openNode({ dataDir: supportRoot, allowHttpLoopback: true });
const servers = [await startServer({ node: bank, port: bankPort }), await startServer({ node: support, port: supportPort })];
const teller = await createAgent(bank, { name: 'teller', owner: 'mailto:ops@bank.example' });
await issueToAgent(bank, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
await createAgent(support, { name: 'agent', owner: 'mailto:dana@support.example' });
await issueToAgent(support, { agent: 'agent', capabilities: subject('x').capabilities });
await accredit(bank, { issuer: support.organization.did, capabilities: ['call:billing:*'] });
await accredit(support, { issuer: bank.organization.did, capabilities: ['serve:billing:*'] });
bench.add('handshake-action-http', async () => {
  await handshake(support, { agent: 'agent', peer: teller.did });
  const decision = await act(support, { agent: 'agent', peer: teller.did, action: 'call', resource: 'billing:refund', amount: { value: 1, currency: 'USD' } });
  if (decision.decision !== 'allow') throw new Error(`unexpected decision ${String(decision.decision)}`);
});

await bench.run();

// --- report ------------------------------------------------------------------------
const ops = new Map<string, { opsPerSec: number; p50Ms: number; p99Ms: number }>();
for (const task of bench.tasks) {
  const r = task.result;
  if (r.state !== 'completed') {
    const cause = r.state === 'errored' ? (r.error as { cause?: { code?: string; message?: string } }).cause : undefined;
    throw new Error(`${task.name}: ${r.state === 'errored' ? r.error.message : r.state}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
  }
  ops.set(task.name, { opsPerSec: r.throughput.mean, p50Ms: r.latency.p50, p99Ms: r.latency.p99 });
}
const get = (name: string) => ops.get(name)!.opsPerSec;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const row = (name: string, extra: Partial<Row> = {}): Row => ({ name, opsPerSec: Math.round(get(name)), ...extra });
const results: Row[] = [
  row('floor-ed25519-verify'),
  row('verify-credential', { vsFloor: ratio(get('verify-credential'), get('floor-ed25519-verify')), vsDidJwtVc: ratio(get('verify-credential'), get('did-jwt-vc-verify-credential')), vsVeramo: ratio(get('verify-credential'), get('veramo-verify-credential')) }),
  row('did-jwt-vc-verify-credential'),
  row('veramo-verify-credential'),
  row('verify-credential-didweb', { vsFloor: ratio(get('verify-credential-didweb'), get('floor-ed25519-verify')) }),
  row('verify-presentation-chain2', { vsFloor: ratio(get('verify-presentation-chain2'), get('floor-ed25519-verify') / 3) }),
  row('issue-credential', { vsDidJwtVc: ratio(get('issue-credential'), get('did-jwt-vc-create-credential')) }),
  row('did-jwt-vc-create-credential'),
  row('status-decode-16k'),
  row('status-decode-1m'),
  row('status-lookup-cached'),
  { name: 'pool-verify-1', opsPerSec: Math.round(get('pool-verify-1') * POOL_BATCH), vsFloor: ratio(get('pool-verify-1') * POOL_BATCH, get('floor-ed25519-verify')) },
  { name: 'pool-verify-2', opsPerSec: Math.round(get('pool-verify-2') * POOL_BATCH), vsFloor: ratio(get('pool-verify-2') * POOL_BATCH, get('floor-ed25519-verify')) },
  row('handshake-action-http', { p50Ms: Math.round(ops.get('handshake-action-http')!.p50Ms * 100) / 100, p99Ms: Math.round(ops.get('handshake-action-http')!.p99Ms * 100) / 100 }),
];
console.table(results);
const out = { node: process.version, cpus: availableParallelism(), date: new Date().toISOString(), smoke, results };
mkdirSync(new URL('../bench/results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench/results/latest.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);

for (const s of servers) await s.close();
await pool1.close();
await pool2.close();
await node.close();
rmSync(root, { recursive: true, force: true });
