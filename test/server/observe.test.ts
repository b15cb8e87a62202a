// Logs, metrics and spans of the node's HTTP app (#18 item 4): one JSON log line per request with its id,
// route pattern, status and duration, and never a token; Prometheus metrics on a registry per app; OpenTelemetry
// spans for token exchange and credential verification, with no secret among their attributes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopKeyOfSigner } from '../../src/oauth/dpop.js';
import { createApp } from '../../src/server/app.js';
import { createRequestLog } from '../../src/server/log.js';
import { Metrics } from '../../src/server/metrics.js';
import { assertNoSecret, captureSpans } from '../helpers/spans.js';
import { freshNonce, openBank, OWNER, partner, post, tokenRequest, type Bank, type Partner } from '../oauth-server/helpers.js';

/** A destination that keeps every line pino writes. */
function sink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { lines, stream };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('observability of the node app', () => {
  let bank: Bank;
  let q: Partner;
  let app: Hono;
  let lines: string[];
  let capture: ReturnType<typeof captureSpans>;
  const secrets = { admin: '', vp: '', proof: '', access: '', credential: '' };

  beforeAll(async () => {
    capture = captureSpans();
    bank = await openBank();
    q = await partner(bank);
    const log = sink();
    lines = log.lines;
    app = createApp({ node: bank.node, log: createRequestLog({ level: 'trace', destination: log.stream }), onUnexpectedError: () => undefined });
    bank = { ...bank, app };
    secrets.admin = readFileSync(join(bank.node.dataDir, 'admin.token'), 'utf8').trim();

    // A token exchange: a vp+jwt in the form body, a DPoP proof in its header.
    const { form, headers, vp, proof } = await tokenRequest(bank, { holder: q.alice, credentials: [q.root], key: dpopKeyOfSigner(q.alice), nonce: await freshNonce(app) });
    const issued = await post(bank, form, headers);
    expect(issued.status).toBe(200);
    Object.assign(secrets, { vp, proof: proof!, access: issued.body.access_token as string, credential: q.root });

    // The access token as a bearer and as a DPoP token, in a cookie and in query strings; the admin token, right and wrong.
    await app.request(`/.well-known/did.json?access_token=${secrets.access}`, { headers: { authorization: `Bearer ${secrets.access}`, cookie: `session=${secrets.access}` } });
    await app.request(`/no/such/route?token=${secrets.access}`, { headers: { authorization: `DPoP ${secrets.access}`, dpop: secrets.proof } });
    await app.request('/oauth/introspect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${secrets.access}` });
    const agent = JSON.stringify({ name: 'alice', owner: OWNER });
    expect((await app.request('/admin/agents', { method: 'POST', headers: { authorization: `Bearer ${secrets.admin}`, 'content-type': 'application/json' }, body: agent })).status).toBe(201);
    expect((await app.request('/admin/agents', { method: 'POST', headers: { authorization: `Bearer ${secrets.admin}x`, 'content-type': 'application/json' }, body: agent })).status).toBe(401);
    // A signed action and a handshake message made of the presentation: both refused, and neither logged.
    await app.request('/actions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: secrets.vp }) });
    await app.request('/ace', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': secrets.access }, body: JSON.stringify({ message: secrets.vp }) });
  });
  afterAll(async () => {
    capture.release();
    await bank.node.close();
  });

  it('writes no token, proof, presentation or admin token to the log, nor any part of one', () => {
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(9);
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(20);
      expect(text.includes(secret), name).toBe(false);
      // Its signature (or the token's tail) alone would be a leak too.
      expect(text.includes(secret.slice(-24)), `${name} (tail)`).toBe(false);
    }
    expect(text).not.toMatch(/authorization|cookie|dpop|access_token|token=/i);
  });

  it('logs one JSON line per request: its id, method, route pattern, status and duration', () => {
    const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(9);
    for (const line of requests) {
      expect(Object.keys(line).sort()).toEqual(['durationMs', 'level', 'method', 'msg', 'pid', 'requestId', 'route', 'status', 'time']);
      expect(line.level).toBe(30);
      expect(typeof line.durationMs).toBe('number');
      expect(String(line.route)).not.toContain('?');
    }
    expect(requests.map((l) => `${String(l.method)} ${String(l.status)}`)).toEqual(['POST 400', 'POST 200', 'GET 200', 'GET 404', 'POST 401', 'POST 201', 'POST 401', expect.stringMatching(/^POST 4\d\d$/), expect.stringMatching(/^POST 4\d\d$/)]);
    expect(requests.find((l) => l.status === 201)).toMatchObject({ route: '/admin/agents' });
    // The access token offered as a request id (too long) was replaced by a fresh id.
    expect(requests.at(-1)!.requestId).toMatch(UUID);
  });

  it('keeps a short, safe X-Request-Id and echoes it; replaces any other with a fresh one', async () => {
    const kept = await app.request('/healthz', { headers: { 'x-request-id': 'req-42.a:b_c' } });
    expect(kept.headers.get('x-request-id')).toBe('req-42.a:b_c');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ requestId: 'req-42.a:b_c', route: '/healthz', status: 200 });
    for (const unsafe of ['has space', 'x'.repeat(65), '<script>', 'line\tbreak', '']) {
      const res = await app.request('/healthz', { headers: { 'x-request-id': unsafe } });
      expect(res.headers.get('x-request-id'), unsafe).toMatch(UUID);
    }
    const fresh = await app.request('/no/such/route');
    expect(fresh.headers.get('x-request-id')).toMatch(UUID);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ requestId: fresh.headers.get('x-request-id'), status: 404 });
  });

  it('traces the token exchange and the credential verifications, with identifiers and codes only', () => {
    const named = (name: string) => capture.spans.filter((s) => s.name === name);
    const exchanges = named('legate.token_exchange');
    expect(exchanges.map((s) => s.attributes['legate.decision'])).toEqual(['refused', 'issued']);
    expect(exchanges[1]!.attributes).toMatchObject({ 'legate.agent': q.alice.did });
    expect(exchanges[0]!.attributes['legate.reason_code']).toMatch(/^ERR_/);
    expect(named('legate.credential.verify').some((s) => s.attributes['legate.verified'] === true && s.attributes['legate.credential.issuer'] === q.acme.did)).toBe(true);
    // The refused action and handshake made of a presentation: spans with their codes, status ERROR.
    for (const name of ['legate.action', 'legate.handshake']) {
      const [span] = named(name);
      expect(span?.status?.code, name).toBe(2);
      expect(span?.attributes['legate.reason_code'], name).toMatch(/^ERR_/);
    }
    expect(capture.spans.every((s) => s.ended)).toBe(true);
    assertNoSecret(capture.spans, Object.values(secrets));
  });
});

describe('/metrics on prom-client', () => {
  let bank: Bank;
  beforeAll(async () => {
    bank = await openBank();
  });
  afterAll(() => bank.node.close());

  it('keeps the request counter, adds a latency histogram by method, route and status, and the process metrics', async () => {
    const app = createApp({ node: bank.node, onUnexpectedError: () => undefined });
    await app.request('/healthz');
    await app.request('/healthz');
    const res = await app.request('/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/legate_http_requests_total\{method="GET",route="\/healthz",status="200"\} 2/);
    expect(text).toContain('# TYPE legate_http_request_duration_seconds histogram');
    expect(text).toMatch(/legate_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 2/);
    expect(text).toMatch(/legate_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/healthz",status="200"\} 2/);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('gives every app a registry of its own: two in one process neither clash nor share counts', async () => {
    const [one, two] = [new Metrics(), new Metrics({ processMetrics: false })];
    const a = createApp({ node: bank.node, metrics: one });
    const b = createApp({ node: bank.node, metrics: two });
    await a.request('/healthz');
    await b.request('/healthz');
    await b.request('/healthz');
    expect(await one.render()).toMatch(/legate_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1\n/);
    const other = await two.render();
    expect(other).toMatch(/legate_http_requests_total\{method="GET",route="\/healthz",status="200"\} 2\n/);
    expect(other).not.toContain('process_cpu');
  });
});
