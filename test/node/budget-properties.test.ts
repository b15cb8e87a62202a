// Property: however a credential is split by delegation, its tree never spends more than it allows (issue #13 item 1).
//   issuer (did:key, accredited by bank) -> root holder -> children (to itself, to a sibling's holder, to fresh did:keys), depth <= 3
//   bank -> teller decides random refunds under random credentials of the tree, at an injected clock.
// A model keeps the same books in integer cents and predicts every decision, the credential charged and the reason codes.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { AgentCapabilityCredential, Capability } from '../../src/credential/types.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { accredit } from '../../src/node/registry.js';
import { refreshStatusLists } from '../../src/node/status-refresh.js';
import { NOW } from '../fixtures.js';
import { actWith, handshakeWith, openVerifier, type Verifier } from '../helpers/verifier.js';

const REFUND = { action: 'call', resource: 'billing:refund' };
const HOUR = 3_600_000;

interface Spec {
  /** The child's budget as a percentage of its parent's. */
  percent: number;
  /** How much lower the child's rate limit is than its parent's. */
  rateCut: number;
  /** Who holds the child: its parent's holder, the previous sibling's holder, or a fresh did:key. */
  holder: 'self' | 'sibling' | 'fresh';
  children: Spec[];
}

const MAX_CHILDREN = [3, 2, 1];
const spec = (depth: number): fc.Arbitrary<Spec> =>
  fc.record({
    percent: fc.integer({ min: 20, max: 100 }),
    rateCut: fc.integer({ min: 0, max: 2 }),
    holder: fc.constantFrom('self' as const, 'sibling' as const, 'fresh' as const),
    children: depth >= 3 ? fc.constant([]) : fc.array(spec(depth + 1), { maxLength: MAX_CHILDREN[depth]! }),
  });

const scenario = fc.record({
  budget: fc.integer({ min: 30, max: 2000 }),
  rate: fc.integer({ min: 1, max: 6 }),
  root: spec(0),
  actions: fc.array(
    fc.record({
      who: fc.nat(),
      /** Whether the holder presents every credential it holds (so the session may choose among them), or one chain. */
      all: fc.boolean(),
      cents: fc.constantFrom(0, 10, 20, 30, 50, 100, 250, 1000),
      minutes: fc.integer({ min: 0, max: 40 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

type Holder = ReturnType<typeof generateEphemeralSigner>;

interface TreeNode {
  credential: AgentCapabilityCredential;
  jwt: string;
  holder: Holder;
  budget: number;
  rate: number;
  /** Indices of its ancestors and itself, root first. */
  line: number[];
}

const limits = (cents: number, rate: number): Capability => ({
  ...REFUND,
  constraints: { budget: { value: cents / 100, currency: 'USD', period: 'PT1H' }, rateLimit: { count: rate, period: 'PT1H' } },
});

let now: Date;
const clock = () => new Date(now.getTime());
let v: Verifier;
let issuer: Holder;

beforeAll(async () => {
  now = new Date(NOW.getTime());
  v = await openVerifier(clock);
  issuer = generateEphemeralSigner();
  await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:refund'], maxDelegationDepth: 3 });
});
afterAll(() => v.node.close());

async function buildTree(budget: number, rate: number, root: Spec): Promise<TreeNode[]> {
  const holder = generateEphemeralSigner();
  const issued = await issueCapabilityCredential({
    issuer: issuer.did,
    signer: issuer,
    subject: { id: holder.did, owner: 'mailto:carol@helpdesk.example', capabilities: [limits(budget, rate)], delegation: { depth: 0, maxDepth: 3 } },
    clock,
  });
  const nodes: TreeNode[] = [{ credential: issued.credential, jwt: issued.jwt, holder, budget, rate, line: [0] }];
  const grow = async (parentIndex: number, children: Spec[]) => {
    let previous: Holder | undefined;
    for (const child of children) {
      const parent = nodes[parentIndex]!;
      const to = child.holder === 'self' ? parent.holder : child.holder === 'sibling' && previous !== undefined ? previous : generateEphemeralSigner();
      previous = to;
      const cents = Math.floor((parent.budget * child.percent) / 100);
      const count = Math.max(1, parent.rate - child.rateCut);
      const made = await delegateCapability({ parent: parent.credential, signer: parent.holder, to: to.did, capabilities: [limits(cents, count)], clock });
      nodes.push({ credential: made.credential, jwt: made.jwt, holder: to, budget: cents, rate: count, line: [...parent.line, nodes.length] });
      await grow(nodes.length - 1, child.children);
    }
  };
  await grow(0, root.children);
  return nodes;
}

describe('budgets over random delegation trees', () => {
  it('a tree never spends more than any of its credentials allows, and every decision matches the model', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ budget, rate, root, actions }) => {
        const nodes = await buildTree(budget, rate, root);
        const byId = new Map(nodes.map((n, i) => [n.credential.id, i]));
        /** The model's books: per credential, the allowed uses charged to it (time, cents). */
        const books = nodes.map(() => [] as { at: number; cents: number }[]);
        const sessions = new Map<string, { token: string; candidates: number[] }>();

        for (const step of actions) {
          now = new Date(now.getTime() + step.minutes * 60_000);
          const index = step.who % nodes.length;
          const node = nodes[index]!;
          const key = step.all ? node.holder.did : String(index);
          let session = sessions.get(key);
          if (session === undefined) {
            const held = step.all ? nodes.filter((n) => n.holder === node.holder) : [node];
            const chain = [...new Set(held.flatMap((n) => n.line.map((i) => nodes[i]!.jwt).reverse()))];
            const { token } = await handshakeWith(v, node.holder, chain, [REFUND], clock);
            // The credentials the session may use, in its order (a holder of an ancestor too gets it as an alternative).
            const claims = decodeCompactJws(token).payload as { capabilities: { credential: string }[] };
            session = { token, candidates: [...new Set(claims.capabilities.map((c) => byId.get(c.credential)!))] };
            sessions.set(key, session);
          }

          // The model: the first candidate whose every ancestor (and itself) stays within budget and rate.
          const t = now.getTime();
          const failures = (i: number): string[] =>
            nodes[i]!.line.flatMap((x) => {
              const recent = books[x]!.filter((u) => u.at >= t - HOUR);
              const spent = recent.reduce((sum, u) => sum + u.cents, 0);
              return [
                ...(spent + step.cents > nodes[x]!.budget ? ['ERR_BUDGET_EXCEEDED'] : []),
                ...(recent.length + 1 > nodes[x]!.rate ? ['ERR_RATE_LIMITED'] : []),
              ];
            });
          const chosen = session.candidates.find((i) => failures(i).length === 0);

          const decision = await actWith(v, node.holder, session.token, { ...REFUND, amount: { value: step.cents / 100, currency: 'USD' } }, clock);
          if (chosen === undefined) {
            expect(decision.decision).toBe('deny');
            expect(new Set(decision.reasons.map((r) => r.code))).toEqual(new Set(session.candidates.flatMap(failures)));
          } else {
            expect(decision).toMatchObject({ decision: 'allow', credentialId: nodes[chosen]!.credential.id });
            const use = { at: t, cents: step.cents };
            for (const x of nodes[chosen]!.line) books[x]!.push(use);
          }
        }

        // The invariant itself, on the books of what was allowed: no window of any credential's subtree
        // (above all the root's) holds more spend or more uses than that credential allows.
        for (const [x, node] of nodes.entries()) {
          for (const use of books[x]!) {
            const window = books[x]!.filter((u) => u.at >= use.at - HOUR && u.at <= use.at);
            expect(window.reduce((sum, u) => sum + u.cents, 0)).toBeLessThanOrEqual(node.budget);
            expect(window.length).toBeLessThanOrEqual(node.rate);
          }
        }
        // Spend under descendants counts at the root: the root's books hold every allowed use in the tree.
        expect(books[0]!.length).toBe(new Set(books.flat()).size);
        now = new Date(now.getTime() + 2 * HOUR);
        // Runs add up to days: keep the verifier's own status lists signed, as serve's job would (reads no longer do).
        await refreshStatusLists(v.node);
      }),
      { numRuns: 20 },
    );
  }, 300_000);
});
