/**
 * Legate's benchmark suite: Legate beside did-jwt-vc and Veramo on the same
 * inputs, in one process and one run, reported as ops/s and ratios (never as
 * pass/fail unit tests). Writes bench/results/latest.json.
 *
 * Cases run in interleaved rounds (every case once per round, results summed
 * over rounds), so a ratio compares cases measured side by side even when
 * the machine's speed drifts. ops/s is iterations over time spent in them.
 * The handshake case runs its peer node in a second process and keeps
 * several handshakes in flight (see bench/README.md).
 *
 * Run: npm run bench            (about two minutes)
 *      npm run bench -- --smoke (a few iterations each: checks it runs)
 *      npm run bench -- --only=exchange,rs-check (only the in-process cases
 *      whose names contain one of these; no handshake, no CLI start-up)
 *      npm run bench -- --rounds=12 --time=150 (rounds, ms per case per round)
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench, type Task } from 'tinybench';
import { ed25519 } from '@noble/curves/ed25519.js';
import { EdDSASigner } from 'did-jwt';
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
import { createAgent, initNode, issueMany, issueToAgent, openNode } from 'legate/node';
import { createList, decodeList, encodeList, getBit, setBit, createStatusChecker, issueStatusListCredential } from 'legate/status';
import { createVerifierPool } from 'legate/pool';
import { floor } from './floor.js';
import { issueFloors } from './issue-floor.js';
import { measureCliStartup } from './cli-startup.js';
import { median, ratio, type BenchCase, type Row } from './case.js';
import { setupOAuth } from './oauth.js';
import { measureHandshakes } from './handshake.js';
import { measureFleet } from './fleet.js';
import { measureHttpFloor } from './http-floor.js';
import { measureObserved } from './observed.js';
import { measureRevocationPropagation } from './revocation.js';

const smoke = process.argv.includes('--smoke');
/** `--only=a,b`: run only the in-process cases whose names contain a or b. */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter((a) => a !== '');
/** `--name=<integer>`, if given. */
const intArg = (name: string) => {
  const value = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return value === undefined ? undefined : Number.parseInt(value, 10);
};
/** Rounds, and ms per case per round (`--rounds=`, `--time=`: more, shorter rounds pair cases more closely on a drifting machine). */
const ROUNDS = intArg('rounds') ?? (smoke ? 1 : 4);
const time = intArg('time') ?? (smoke ? 20 : 400);

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
// A verifier's cache: the list was fetched (once) and verified; later checks are answered from the cache by its ttl.
let listFetches = 0;
const listFetch = (url: string) => {
  listFetches++;
  return Promise.resolve(url === listUrl ? new Response(listJwt, { headers: { 'content-type': 'application/vc+jwt' } }) : new Response('', { status: 404 }));
};
const checker = createStatusChecker({ resolver: webResolver, fetch: listFetch });
const withStatus = { ...legateVc.credential, issuer: webDid, credentialStatus: [{ id: `${listUrl}#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: listUrl }] };
if ((await checker.statusErrors(withStatus)).length > 0 || listFetches !== 1) throw new Error('the status list does not load');

// issuance with status allocation in SQLite
const root = mkdtempSync(join(tmpdir(), 'legate-bench-'));
await initNode({ dataDir: join(root, 'acme'), domain: 'acme.example' });
const node = await openNode({ dataDir: join(root, 'acme') });
await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
// issue-many on a node of its own: its thousands of credentials would otherwise slow issue-credential's store.
await initNode({ dataDir: join(root, 'fleet-acme'), domain: 'acme.example' });
const batchNode = await openNode({ dataDir: join(root, 'fleet-acme') });
await createAgent(batchNode, { name: 'alice', owner: 'mailto:carol@acme.example' });


// The issuance floors (bench/issue-floor.ts), over a credential this node issued and its audit entry's text.
const sampleIssued = await issueToAgent(node, { agent: 'alice', capabilities: subject('x').capabilities });
const sampleEntry = (await node.store.listAuditChains()).find((head) => head.entry.includes(sampleIssued.id))?.entry;
if (!('jwt' in sampleIssued) || sampleEntry === undefined) throw new Error('issue-floor: no JWS or no audit entry for the sample credential');
const issueFloor = issueFloors(root, sampleIssued.jwt, sampleEntry);

// --- cases -----------------------------------------------------------------------
const floorVerify = floor(legateVc.jwt, issuerKey.publicKey);
// did-jwt-vc as its users run it: did-jwt's own EdDSASigner (@noble/curves, pure JS).
const didJwtNobleIssuer: Issuer = { did: issuerKey.did, signer: EdDSASigner(ed25519.utils.randomSecretKey()), alg: 'EdDSA' };
const vc11Claims = () => ({ sub: aliceKey.did, nbf: 1, vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: { owner: 'mailto:carol@acme.example' } } });
/** Cached status lookups per iteration: one takes a few µs, too little to time call by call. */
const STATUS_BATCH = 64;
/** One `issueMany` call: a provisioning batch, as `legate cap issue --from` makes them. */
const ISSUE_BATCH = Array.from({ length: smoke ? 50 : 1000 }, () => ({ agent: 'alice', capabilities: subject('x').capabilities }));

// Worker pools: batches of 256 distinct tokens (ops/s below are tokens per second).
const POOL_BATCH = 256;
const poolTokens = await Promise.all(
  Array.from({ length: POOL_BATCH }, (_, i) => issueCapabilityCredential({ issuer: issuerKey.did, signer: issuerKey, subject: { ...subject(aliceKey.did), capabilities: [{ action: 'call', resource: `billing:r${i}` }] } }).then((c) => c.jwt)),
);
const pool1 = createVerifierPool({ size: 1 });
const pool2 = createVerifierPool({ size: 2 });
await pool1.verifyBatch(poolTokens);
await pool2.verifyBatch(poolTokens);

// The OAuth cases (#15): two more nodes on loopback, in this process.
const oauth = await setupOAuth(join(root, 'oauth'), { warmup: smoke ? 0 : 2000 });

/** name, the function timed, and how many operations one call performs. */
const coreCases: [string, () => unknown, number][] = [
  ['floor-ed25519-verify', () => floorVerify(), 1],
  ['verify-credential', async () => void (await verifyCapabilityCredential(legateVc.jwt, { resolver: keyResolver })), 1],
  ['did-jwt-vc-verify-credential', async () => void (await didJwtVcVerify(vc11, didResolver)), 1],
  ['veramo-verify-credential', async () => void (await veramo.verifyCredential({ credential: vc11 })), 1],
  ['verify-credential-didweb', async () => void (await verifyCapabilityCredential(webVc.jwt, { resolver: webResolver })), 1],
  ['verify-presentation-chain2', async () => void (await verifyPresentation(vp, { resolver: keyResolver, audience: webDid, nonce: 'n' })), 1],
  ['issue-credential', async () => void (await issueToAgent(node, { agent: 'alice', capabilities: subject('x').capabilities })), 1],
  // A provisioning batch (#19 item 4): 1,000 credentials a call, committed 500 at a time.
  ['issue-many', async () => void (await issueMany(batchNode, ISSUE_BATCH)), ISSUE_BATCH.length],
  ...issueFloor.cases.map((c): [string, () => unknown, number] => [c.name, c.fn, c.perCall]),
  ['did-jwt-vc-create-credential', async () => void (await createVerifiableCredentialJwt(vc11Claims(), didJwtIssuer)), 1],
  ['did-jwt-vc-create-credential-eddsasigner', async () => void (await createVerifiableCredentialJwt(vc11Claims(), didJwtNobleIssuer)), 1],
  ['status-decode-16k', () => void getBit(decodeList(encoded16k), 4242), 1],
  ['status-decode-1m', () => void getBit(decodeList(encoded1m, { maxInflatedBytes: 2 * 1024 * 1024 }), 4242), 1],
  [
    'status-lookup-cached',
    async () => {
      for (let i = 0; i < STATUS_BATCH; i++) await checker.statusErrors(withStatus);
    },
    STATUS_BATCH,
  ],
  ['pool-verify-1', async () => void (await pool1.verifyBatch(poolTokens)), POOL_BATCH],
  ['pool-verify-2', async () => void (await pool2.verifyBatch(poolTokens)), POOL_BATCH],
];
const cases: BenchCase[] = [...coreCases.map(([name, fn, perCall]) => ({ name, fn, perCall })), ...oauth.cases].filter(
  (c) => only === undefined || only.some((part) => c.name.includes(part)),
);

// Issuance warmed up as the exchange is: its first round otherwise ran cold (JIT, a fresh store), and one full run's
// 2,087/s read 2,480/s over twelve rounds. 2,000 single issuances, and two batches on the batch node (which also
// starts its signing worker); only when those cases run.
if (!smoke && cases.some((c) => c.name === 'issue-credential' || c.name === 'issue-many')) {
  for (let i = 0; i < 2000; i++) await issueToAgent(node, { agent: 'alice', capabilities: subject('x').capabilities });
  for (let i = 0; i < 2; i++) await issueMany(batchNode, ISSUE_BATCH);
}

function failure(task: Task): Error {
  const r = task.result;
  const cause = r.state === 'errored' ? (r.error as { cause?: { code?: string; message?: string } }).cause : undefined;
  return new Error(`${task.name}: ${r.state === 'errored' ? r.error.message : r.state}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
}

// Interleaved rounds: each case runs once per round; calls and time are summed over the rounds.
const totals = new Map<string, { calls: number; ms: number }>();
/** Each case's ops/s in each round, for the medians of #19 item 6. */
const perRound = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time, warmupTime: smoke ? 5 : 100, warmupIterations: smoke ? 2 : 5, iterations: smoke ? 3 : 5 });
  for (const { name, fn, beforeEach } of cases) bench.add(name, fn, beforeEach === undefined ? {} : { beforeEach });
  await bench.run();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw failure(task);
    const total = totals.get(task.name) ?? { calls: 0, ms: 0 };
    total.calls += r.latency.samplesCount;
    total.ms += r.totalTime;
    totals.set(task.name, total);
    const perCall = cases.find((c) => c.name === task.name)!.perCall;
    perRound.set(task.name, [...(perRound.get(task.name) ?? []), ((r.latency.samplesCount * perCall) / r.totalTime) * 1000]);
  }
}
if (listFetches !== 1 && totals.has('status-lookup-cached')) throw new Error('status-lookup-cached fetched its list again: it did not measure cached lookups');
const opsPerSec = new Map(cases.map(({ name, perCall }) => [name, ((totals.get(name)!.calls * perCall) / totals.get(name)!.ms) * 1000]));

// --- handshake-action-http (bench/handshake.ts) -------------------------------------
const { handshakes, handshakeOne, cost } = only === undefined ? await measureHandshakes(root, smoke, subject('x').capabilities) : { handshakes: undefined, handshakeOne: undefined, cost: undefined };

// --- floor-http-roundtrip (bench/http-floor.ts): one request with no Legate work, the transport under actions-sqlite-1
const httpFloor = only === undefined || only.some((part) => 'floor-http-roundtrip'.includes(part)) ? [await measureHttpFloor(smoke)] : [];

// --- the fleet cases (bench/fleet.ts) ------------------------------------------------
// `--only=actions-sqlite-1` runs the SQLite case alone, without starting a PostgreSQL cluster.
const withPg = only === undefined || only.some((part) => 'actions-pg audit-appends fleet'.includes(part));
const fleet = withPg || only.some((part) => 'actions-sqlite-1'.includes(part)) ? await measureFleet(join(root, 'fleet'), smoke, subject('x').capabilities, withPg) : [];

// --- actions-observed-* (bench/observed.ts): logs, spans and scrapes on vs off ----
const observed = only === undefined || only.some((part) => 'actions-observed-off actions-observed-nosdk actions-observed-on-als'.includes(part)) ? await measureObserved(join(root, 'observed'), smoke, subject('x').capabilities) : [];

// --- revocation-propagation (bench/revocation.ts) ------------------------------------
const revocation = only === undefined || only.some((part) => 'revocation-propagation'.includes(part)) ? [await measureRevocationPropagation(join(root, 'revocation'), smoke, subject('x').capabilities)] : [];

// --- cli-startup -------------------------------------------------------------------
const cliRoot = join(root, 'cli');
await initNode({ dataDir: cliRoot, domain: 'localhost:9' });
const startup = only === undefined ? measureCliStartup(cliRoot, smoke ? 2 : 10) : undefined;

// --- report ------------------------------------------------------------------------
const get = (name: string) => opsPerSec.get(name)!;
/** The median over the rounds of `name`'s ops/s over `base`'s (`scale` times), each round with its own. */
const medianRatio = (name: string, base: string, scale = 1) => ratio(median(perRound.get(name)!.map((ops, i) => ops / (perRound.get(base)![i]! / scale))), 1);
const ms2 = (value: number) => Math.round(value * 100) / 100;
const row = (name: string, extra: Partial<Row> = {}): Row => ({ name, opsPerSec: Math.round(get(name)), ...extra });
if (handshakes === undefined || handshakeOne === undefined || cost === undefined || startup === undefined) {
  // --only: the cases that ran, with the OAuth ratios when all their cases ran; latest.json is left alone.
  const oauthRows = oauth.cases.every((c) => opsPerSec.has(c.name)) ? oauth.rows(get, medianRatio) : [];
  console.table([...cases.filter((c) => !oauthRows.some((r) => r.name === c.name)).map((c) => row(c.name)), ...oauthRows, ...httpFloor, ...fleet, ...observed, ...revocation]);
} else {
  const results: Row[] = [
    row('floor-ed25519-verify'),
    row('verify-credential', { vsFloor: ratio(get('verify-credential'), get('floor-ed25519-verify')), vsFloorMedian: medianRatio('verify-credential', 'floor-ed25519-verify'), vsDidJwtVc: ratio(get('verify-credential'), get('did-jwt-vc-verify-credential')), vsVeramo: ratio(get('verify-credential'), get('veramo-verify-credential')) }),
    row('did-jwt-vc-verify-credential'),
    row('veramo-verify-credential'),
    row('verify-credential-didweb', { vsFloor: ratio(get('verify-credential-didweb'), get('floor-ed25519-verify')) }),
    row('verify-presentation-chain2', { vsFloor: ratio(get('verify-presentation-chain2'), get('floor-ed25519-verify') / 3), vsFloorMedian: medianRatio('verify-presentation-chain2', 'floor-ed25519-verify', 3) }),
    row('floor-ed25519-sign'),
    row('floor-issue'),
    row('floor-issue-many-rows'),
    row('issue-credential', {
      vsFloor: ratio(get('issue-credential'), get('floor-issue')),
      vsFloorMedian: medianRatio('issue-credential', 'floor-issue'),
      vsDidJwtVc: ratio(get('issue-credential'), get('did-jwt-vc-create-credential')),
      opsPerSecMedian: Math.round(median(perRound.get('issue-credential')!)),
    }),
    // A batch signs on one thread while it records on another: its floor is the slower of the two.
    row('issue-many', {
      vsFloor: ratio(get('issue-many'), Math.min(get('floor-issue-many-rows'), get('floor-ed25519-sign'))),
      opsPerSecMedian: Math.round(median(perRound.get('issue-many')!)),
    }),
    row('did-jwt-vc-create-credential'),
    row('did-jwt-vc-create-credential-eddsasigner'),
    row('status-decode-16k'),
    row('status-decode-1m'),
    row('status-lookup-cached', { opsPerSecMedian: Math.round(median(perRound.get('status-lookup-cached')!)) }),
    row('pool-verify-1', { vsFloor: ratio(get('pool-verify-1'), get('floor-ed25519-verify')) }),
    row('pool-verify-2', { vsFloor: ratio(get('pool-verify-2'), get('floor-ed25519-verify')), vsOneWorkerMedian: medianRatio('pool-verify-2', 'pool-verify-1') }),
    ...oauth.rows(get, medianRatio),
    {
      name: 'handshake-action-http',
      opsPerSec: Math.round(handshakes.opsPerSec),
      p50Ms: ms2(handshakes.p50Ms),
      p99Ms: ms2(handshakes.p99Ms),
      serverCpuUs: cost.answeringCpuUs,
      clientCpuUs: cost.initiatingCpuUs,
      cryptoFloorUs: cost.cryptoFloorUs,
      crypto: `answering ${cost.answering.verifications} verifications + ${cost.answering.signatures} signatures; initiating ${cost.initiating.verifications} + ${cost.initiating.signatures}`,
    },
    { name: 'handshake-action-http-1', opsPerSec: Math.round(handshakeOne.opsPerSec), p50Ms: ms2(handshakeOne.p50Ms), p99Ms: ms2(handshakeOne.p99Ms) },
    ...httpFloor,
    ...fleet,
    ...observed,
    ...revocation,
  ];
  console.table(results);
  console.table(startup);
  console.log(`pool-verify-2 / pool-verify-1 = ${ratio(get('pool-verify-2'), get('pool-verify-1'))}; issue-credential / did-jwt-vc with its EdDSASigner = ${ratio(get('issue-credential'), get('did-jwt-vc-create-credential-eddsasigner'))}`);
  const out = { node: process.version, cpus: availableParallelism(), date: new Date().toISOString(), smoke, results, startup };
  mkdirSync(new URL('../bench/results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../bench/results/latest.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
}

await oauth.close();
await pool1.close();
await pool2.close();
await node.close();
await batchNode.close();
issueFloor.close();
rmSync(root, { recursive: true, force: true });
