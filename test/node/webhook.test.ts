// Signed webhook notifications (#18) against a real receiver on loopback, from a real node whose DID document
// is served on loopback: the receiver verifies each delivery against the organization's DID document (no shared
// secret), a tampered body or another organization's is refused with its code, a 503 is retried and a 400 is not,
// the queue is bounded (oldest dropped, counted), the sender never waits for the receiver, and closing stops.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { organizationSigner } from '../../src/node/signers.js';
import { createWebhookNotifier, DEFAULT_WEBHOOK_POLICY, type WebhookNotifier, type WebhookPolicy } from '../../src/node/webhook/notifier.js';
import { verifyWebhook, WEBHOOK_SIGNATURE_HEADER } from '../../src/webhook/index.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

interface Received {
  body: string;
  signature: string | undefined;
}

let acme: RunningNode;
let receiver: Server;
let url: string;
let received: Received[];
/** What the receiver answers next, one status per request; 200 once they run out. */
let answers: number[];
/** Requests held unanswered until released. */
let holding: (() => void)[] | undefined;
const notifiers: WebhookNotifier[] = [];

beforeAll(async () => {
  acme = await startNode('acme', { statusPush: { enabled: false } });
  receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()] as string | undefined });
      const answer = () => {
        res.statusCode = answers.shift() ?? 200;
        res.end();
      };
      if (holding === undefined) answer();
      else holding.push(answer);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/legate`;
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await acme?.server.close();
});
beforeEach(() => {
  received = [];
  answers = [];
  holding = undefined;
});
afterEach(async () => {
  for (const n of notifiers.splice(0)) await n.close();
});

/** A notifier of acme's, pausing 0 ms between attempts. */
function notifier(policy: Partial<WebhookPolicy> = {}): WebhookNotifier {
  const n = createWebhookNotifier({
    issuer: acme.did,
    http: acme.node.http,
    signer: () => organizationSigner(acme.node),
    clock: acme.node.clock,
    policy: { ...DEFAULT_WEBHOOK_POLICY, url, wait: () => Promise.resolve(), ...policy },
  });
  notifiers.push(n);
  return n;
}

const event = (n: number) => ({ type: 'alert.fired', id: `urn:uuid:alert-${n}`, at: '2026-03-02T10:00:00.000Z', data: { rule: 'failed-auth', subject: 'ip:198.51.100.66' } });

describe('webhook deliveries', () => {
  it("are signed by the organization: the receiver verifies them against its DID document, and refuses a tampered body or another organization's", async () => {
    const n = notifier();
    n.send(event(1));
    await n.idle();
    expect(n.counts()).toEqual({ delivered: 1, retried: 0, dropped: 0, failed: 0 });
    const [delivery] = received;
    const body = await verifyWebhook(delivery!.body, delivery!.signature, { issuer: acme.did, resolver: acme.node.resolver });
    expect(body).toMatchObject({ iss: acme.did, type: 'alert.fired', id: 'urn:uuid:alert-1', data: { rule: 'failed-auth' } });

    const tampered = delivery!.body.replace('failed-auth', 'first-use');
    await expect(verifyWebhook(tampered, delivery!.signature, { issuer: acme.did, resolver: acme.node.resolver })).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    await expect(verifyWebhook(delivery!.body, delivery!.signature, { issuer: 'did:web:mallory.example', resolver: acme.node.resolver })).rejects.toMatchObject({ code: 'ERR_UNTRUSTED_ISSUER' });
    await expect(verifyWebhook(delivery!.body, undefined, { issuer: acme.did, resolver: acme.node.resolver })).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    const later = () => new Date(Date.now() + 10 * 60_000);
    await expect(verifyWebhook(delivery!.body, delivery!.signature, { issuer: acme.did, resolver: acme.node.resolver, clock: later })).rejects.toMatchObject({ code: 'ERR_EXPIRED' });
  });

  it('retries after a 503 and delivers; a 400 is final, tried once', async () => {
    answers = [503];
    const retried = notifier();
    retried.send(event(2));
    await retried.idle();
    expect(retried.counts()).toEqual({ delivered: 1, retried: 1, dropped: 0, failed: 0 });
    expect(received).toHaveLength(2);

    received = [];
    answers = [400];
    const errors: unknown[] = [];
    const refused = notifier({ onError: (error) => errors.push(error) });
    refused.send(event(3));
    await refused.idle();
    expect(refused.counts()).toEqual({ delivered: 0, retried: 0, dropped: 0, failed: 1 });
    expect(received).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_PEER_UNREACHABLE' })]);
  });

  it('gives up after the last attempt', async () => {
    answers = [500, 500, 500];
    const n = notifier({ attempts: 3 });
    n.send(event(4));
    await n.idle();
    expect(n.counts()).toEqual({ delivered: 0, retried: 2, dropped: 0, failed: 1 });
    expect(received).toHaveLength(3);
  });

  it('never makes the sender wait, bounds the queue (the oldest dropped), and stops on close', async () => {
    holding = [];
    const n = notifier({ concurrency: 1, maxQueued: 2 });
    for (let i = 10; i < 14; i++) n.send(event(i));
    // All four were handed over at once; the receiver has not answered any.
    expect(n.counts()).toEqual({ delivered: 0, retried: 0, dropped: 1, failed: 0 });
    await expect.poll(() => holding!.length, { timeout: 30_000 }).toBe(1);
    for (const release of holding.splice(0)) release();
    holding = undefined;
    await n.idle();
    expect(n.counts()).toEqual({ delivered: 3, retried: 0, dropped: 1, failed: 0 });
    expect(received.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual(['urn:uuid:alert-10', 'urn:uuid:alert-12', 'urn:uuid:alert-13']);

    await n.close();
    n.send(event(20));
    expect(n.counts().delivered).toBe(3);
  });

  it('sends only the configured event types, and nothing without a URL', async () => {
    const some = notifier({ events: ['approval.decided'] });
    some.send(event(30));
    some.send({ ...event(31), type: 'approval.decided' });
    await some.idle();
    expect(received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['approval.decided']);
    const none = notifier({ url: undefined });
    none.send(event(32));
    await none.idle();
    expect(none.counts()).toEqual({ delivered: 0, retried: 0, dropped: 0, failed: 0 });
  });
});
