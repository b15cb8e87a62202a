/**
 * @module bench/oauth
 *
 * The OAuth cases (#15), each against its own signature floor measured in
 * the same rounds:
 *
 * - `token-exchange`: bank's token endpoint in process
 *   (`node.services.oauth.token`) exchanging the `vp+jwt` of acme's
 *   sub-agent (chain acme → alice → sub, DPoP with the sub-agent's own key)
 *   for a DPoP-bound access token; acme's DID documents, status lists and
 *   bank's registry are cached after the warm-up. Its floor: the four
 *   Ed25519 verifications (presentation, two chain links, DPoP proof) and
 *   the one signature (the access token) an exchange needs. Its warm floor
 *   (`floor-token-exchange-warm`): the presentation, the DPoP proof and the
 *   access token only, what is left once the node's signature memo has seen
 *   the chain's two links (every exchange after the first here).
 * - `rs-check`: `createResourceServer(…).verify(request)` on an at+jwt and a
 *   fresh DPoP proof; its floor: two verifications (token, proof).
 *   `rs-check-jose` is the same check written with `jose` (bench/jose-check).
 *
 * Both are measured warm: before the rounds, `warmup` exchanges and checks
 * run untimed (2,000 each in a full run, none in a smoke run), as a token
 * endpoint or resource server in service has run its code thousands of
 * times. Without it the first rounds measure V8 still compiling the path
 * (an exchange's ratio read 0.28–0.29 in its first rounds and 0.39–0.46
 * after, on one machine in one process; bench/README.md).
 *
 * Single-use inputs (the AS nonce, presentations, DPoP proofs) are made
 * before each call, outside the timed function. The timed functions of
 * those cases are `async` functions: tinybench calls any other function once
 * to find out whether it returns a promise, which would spend an input.
 */

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createAgent, delegateFromAgent, initNode, issueToAgent, openNode, organizationSigner, presentAsAgent, signerFor, accredit, type NodeContext } from 'legate/node';
import { startServer } from 'legate/server';
import { createDpopProof, dpopKeyOfSigner, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_PRESENTATION } from 'legate/oauth';
import { createResourceServer } from 'legate/resource-server';
import { floor, signFloor } from './floor.js';
import { joseResourceCheck } from './jose-check.js';
import { ratio, type BenchCase, type Row } from './case.js';

const OWNER = 'mailto:carol@acme.example';
const RESOURCE = 'https://api.bank.example/mcp';
const SCOPE = 'refund:billing:refunds';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** A header of an endpoint response, by case-insensitive name. */
const header = (headers: Record<string, string> | undefined, name: string): string | undefined =>
  Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

export interface OAuthBench {
  cases: BenchCase[];
  /** The rows, from each case's ops/s over all rounds (`get`) and the median over the rounds of one case's ratio to another (`medianRatio`). */
  rows(get: (name: string) => number, medianRatio: (name: string, base: string) => number): Row[];
  close(): Promise<void>;
}

async function startedNode(root: string, name: string, port: number, options: Parameters<typeof openNode>[0] extends infer O ? Partial<O> : never): Promise<NodeContext> {
  const dataDir = join(root, name);
  await initNode({ dataDir, domain: `localhost:${port}` });
  return openNode({ ...options, dataDir, allowHttpLoopback: true });
}

/**
 * Two organizations on loopback (acme's agents, bank's authorization server), the inputs, and the cases,
 * each path run `warmup` times untimed first (default 0).
 */
export async function setupOAuth(root: string, options: { warmup?: number } = {}): Promise<OAuthBench> {
  const warmup = options.warmup ?? 0;
  mkdirSync(root, { recursive: true });
  const [acmePort, bankPort] = [await freePort(), await freePort()];
  const acme = await startedNode(root, 'acme', acmePort, {});
  // An hour's tokens: the resource-server case reuses one token through the whole run.
  const bank = await startedNode(root, 'bank', bankPort, { oauth: { resources: [RESOURCE], accessTokenLifetimeSeconds: 3600 } });
  const servers = [await startServer({ node: acme, port: acmePort }), await startServer({ node: bank, port: bankPort })];

  const alice = await createAgent(acme, { name: 'alice', owner: OWNER });
  const sub = await createAgent(acme, { name: 'sub', owner: OWNER });
  const root1 = await issueToAgent(acme, { agent: 'alice', capabilities: [{ action: 'refund', resource: 'billing:*', constraints: { maxAmount: { value: 100, currency: 'EUR' } } }], delegation: { depth: 0, maxDepth: 1 } });
  const link2 = await delegateFromAgent(acme, { from: 'alice', credential: root1.jwt, to: 'sub', capability: { action: 'refund', resource: 'billing:refunds', constraints: { maxAmount: { value: 40, currency: 'EUR' } } } });
  await accredit(bank, { issuer: acme.organization.did, capabilities: ['refund:billing:*'], maxDelegationDepth: 1 });

  const issuer = await bank.services.oauth.issuer();
  const tokenUrl = `${issuer}/oauth/token`;
  const subSigner = await signerFor(acme, sub.did);
  const dpopKey = dpopKeyOfSigner(subSigner);

  // --- token exchange ---------------------------------------------------------------
  const first = await bank.services.oauth.token({ form: new URLSearchParams(), dpop: undefined });
  let nonce = header(first.headers, 'DPoP-Nonce');
  if (nonce === undefined) throw new Error('token-exchange: the token endpoint hands out no DPoP-Nonce');
  const exchangeRequest = async () => {
    const vp = await presentAsAgent(acme, { agent: 'sub', audience: issuer, nonce: nonce! });
    const form = new URLSearchParams({ grant_type: GRANT_TYPE_TOKEN_EXCHANGE, client_id: sub.did, subject_token: vp, subject_token_type: TOKEN_TYPE_PRESENTATION, resource: RESOURCE, scope: SCOPE });
    return { form, dpop: await createDpopProof({ key: dpopKey, htm: 'POST', htu: tokenUrl, nonce: nonce! }), vp };
  };
  const exchange = async (request: { form: URLSearchParams; dpop: string }) => {
    const response = await bank.services.oauth.token(request);
    nonce = header(response.headers, 'DPoP-Nonce') ?? nonce;
    if (response.status !== 200) throw new Error(`token-exchange: ${response.status} ${JSON.stringify(response.body)}`);
    return (response.body as { access_token: string }).access_token;
  };
  // The warm-up exchange fetches acme's documents and status lists; later ones find them cached.
  const warm = await exchangeRequest();
  const accessToken = await exchange(warm);
  for (let i = 0; i < warmup; i++) await exchange(await exchangeRequest());
  let next = await exchangeRequest();

  const aliceKey = (await signerFor(acme, alice.did)).publicKey;
  const acmeKey = (await organizationSigner(acme)).publicKey;
  const bankKey = (await organizationSigner(bank)).publicKey;
  const exchangeFloor = [floor(warm.vp, subSigner.publicKey), floor(root1.jwt, acmeKey), floor(link2.jwt, aliceKey), floor(warm.dpop, subSigner.publicKey)];
  const signAccessToken = signFloor(accessToken);

  // --- resource-server check ----------------------------------------------------------
  const rs = createResourceServer({ issuers: [issuer], resource: RESOURCE, allowHttpLoopback: true, routes: () => ({ action: 'refund', resource: 'billing:refunds', amount: { value: 25, currency: 'EUR' } }) });
  const jwks = await bank.services.oauth.jwks();
  const jose = joseResourceCheck({ jwks, issuer, audience: RESOURCE, scope: SCOPE });
  const resourceRequest = async () =>
    new Request(RESOURCE, { method: 'POST', headers: { authorization: `DPoP ${accessToken}`, dpop: await createDpopProof({ key: dpopKey, htm: 'POST', htu: RESOURCE, accessToken }) } });
  let request = await resourceRequest();
  const check = async () => {
    const result = await rs.verify(request);
    if (!result.ok) throw new Error(`rs-check: ${JSON.stringify(result)}`);
  };
  await check(); // fetches and caches bank's JWKS
  for (let i = 0; i < warmup; i++) {
    request = await resourceRequest();
    await check();
  }
  request = await resourceRequest();
  const rsFloor = [floor(accessToken, bankKey), floor(request.headers.get('dpop')!, subSigner.publicKey)];
  await jose(await resourceRequest());

  const cases: BenchCase[] = [
    {
      name: 'floor-token-exchange',
      fn: () => {
        for (const verify of exchangeFloor) verify();
        signAccessToken();
      },
      perCall: 1,
    },
    {
      // The node's signature memo (lib/signature-memo) skips the chain's two links once seen: what is left to verify.
      name: 'floor-token-exchange-warm',
      fn: () => {
        exchangeFloor[0]!();
        exchangeFloor[3]!();
        signAccessToken();
      },
      perCall: 1,
    },
    { name: 'token-exchange', fn: async () => void (await exchange(next)), perCall: 1, beforeEach: async () => void (next = await exchangeRequest()) },
    {
      name: 'floor-rs-check',
      fn: () => {
        for (const verify of rsFloor) verify();
      },
      perCall: 1,
    },
    { name: 'rs-check', fn: check, perCall: 1, beforeEach: async () => void (request = await resourceRequest()) },
    { name: 'rs-check-jose', fn: async () => await jose(request), perCall: 1, beforeEach: async () => void (request = await resourceRequest()) },
  ];

  return {
    cases,
    rows: (get, medianRatio) => [
      { name: 'floor-token-exchange', opsPerSec: Math.round(get('floor-token-exchange')) },
      { name: 'floor-token-exchange-warm', opsPerSec: Math.round(get('floor-token-exchange-warm')) },
      { name: 'token-exchange', opsPerSec: Math.round(get('token-exchange')), vsFloor: ratio(get('token-exchange'), get('floor-token-exchange')), vsFloorMedian: medianRatio('token-exchange', 'floor-token-exchange'), vsWarmFloor: ratio(get('token-exchange'), get('floor-token-exchange-warm')) },
      { name: 'floor-rs-check', opsPerSec: Math.round(get('floor-rs-check')) },
      { name: 'rs-check', opsPerSec: Math.round(get('rs-check')), vsFloor: ratio(get('rs-check'), get('floor-rs-check')), vsFloorMedian: medianRatio('rs-check', 'floor-rs-check'), vsJose: ratio(get('rs-check'), get('rs-check-jose')) },
      { name: 'rs-check-jose', opsPerSec: Math.round(get('rs-check-jose')), vsFloor: ratio(get('rs-check-jose'), get('floor-rs-check')) },
    ],
    close: async () => {
      await rs.close();
      for (const server of servers) await server.close();
      await acme.close();
      await bank.close();
    },
  };
}
