/**
 * One verifying node in process (no server, no network): bank, whose agent
 * teller answers handshakes and decides signed actions. Credentials in these
 * tests are issued by a did:key "organization" the bank accredits, to
 * did:key agents and sub-agents, so everything resolves offline.
 *
 *   issuer (did:key, accredited by bank) -> agent -> sub-agents…
 *   bank (did:web:bank.example) -> teller (the verifier's agent)
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignedAction } from '../../src/action/create.js';
import type { Money } from '../../src/credential/types.js';
import { handleAcknowledge } from '../../src/handshake/acknowledge.js';
import { createAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import type { Intent } from '../../src/handshake/types.js';
import type { Signer } from '../../src/keys/signer.js';
import { handleAceMessage } from '../../src/node/ace.js';
import { handleAction, type ActionDecision } from '../../src/node/actions.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { verificationOptions } from '../../src/node/verify.js';
import { createPresentation } from '../../src/presentation/create.js';

export interface Verifier {
  node: NodeContext;
  /** The DID of the bank's agent that handshakes and decides. */
  teller: string;
}

/** Opens a fresh bank node at `clock`, with its agent teller holding a credential to present back. */
export async function openVerifier(clock: () => Date): Promise<Verifier> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-budget-')), 'bank');
  await initNode({ dataDir, domain: 'bank.example', clock });
  const node = await openNode({ dataDir, clock, sessionLifetimeSeconds: 86_400 });
  const teller = await createAgent(node, { name: 'teller', owner: 'mailto:ops@bank.example' });
  await issueToAgent(node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
  return { node, teller: teller.did };
}

export interface Session {
  token: string;
  trusted: { action: string; resource: string; credential: string }[];
  rejected: { action: string; resource: string; code: string }[];
  /** The holder's own check of the acknowledge (its session included), as `legate handshake` runs it. */
  accepted: { ok: boolean; codes: string[] };
}

/** `holder` advertises `credentials` (its leaves with their chains) and `intents` to teller; returns the session. */
export async function handshakeWith(v: Verifier, holder: Signer, credentials: readonly string[], intents: readonly Intent[], clock: () => Date): Promise<Session> {
  const nonce = createNonce();
  const presentation = await createPresentation({ signer: holder, credentials, audience: v.teller, nonce, clock });
  const advertise = await createAdvertise({ signer: holder, audience: v.teller, presentation, nonce, intents, clock });
  const outcome = await handleAceMessage(v.node, advertise.token);
  if (outcome.type !== 'advertise') throw new Error('expected an advertise outcome');
  const { handling } = outcome;
  const ack = await handleAcknowledge(outcome.reply, { signer: holder, advertise: advertise.payload, verify: verificationOptions(v.node), replay: new MemoryReplayCache() });
  return {
    token: handling.session?.token ?? '',
    trusted: handling.trusted,
    rejected: handling.rejected,
    accepted: { ok: ack.ok, codes: ack.errors.map((e) => e.code) },
  };
}

/** Signs an action under `session` as `holder` and has teller decide it. */
export async function actWith(
  v: Verifier,
  holder: Signer,
  session: string,
  request: { action: string; resource: string; amount?: Money; approval?: string },
  clock: () => Date,
): Promise<ActionDecision> {
  const signed = await createSignedAction({
    signer: holder,
    audience: v.teller,
    session,
    action: request.action,
    resource: request.resource,
    params: request.amount === undefined ? {} : { amount: request.amount },
    ...(request.approval === undefined ? {} : { approval: request.approval }),
    clock,
  });
  return handleAction(v.node, signed.token);
}
