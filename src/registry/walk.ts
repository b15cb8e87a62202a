/**
 * @module registry/walk
 *
 * The breadth-first walk over trust lists that every registry question
 * shares. It starts from some lists, each with a hop budget; a list whose
 * budget r is at least 1 lets the walk follow each of its (unexpired)
 * recognitions, with budget min(r - 1, entry.hops). Shorter paths are met
 * first. A list (URL and expected signer) is visited again only with a
 * strictly larger budget, so cycles terminate and every list is visited at
 * most `MAX_TRUST_HOPS + 2` times; a walk opens at most `maxLists` lists.
 * Capability bounds are the caller's business: it decides, through
 * `follow`, which recognitions can still matter to its question. Lists and
 * entries passed over are reported once each. Internal to `registry/`.
 */

import type { Session } from './source.js';
import { skipOf, windowError } from './source.js';
import type { PathStep, Recognition, SkippedList, TrustListCredential } from './types.js';

/** A list to visit: where, signed by whom, with how many hops left, reached along `path`. */
export interface WalkNode {
  url: string;
  issuer: string;
  budget: number;
  /** The list steps before this one. */
  path: PathStep[];
}

/** A list the walk opened and verified for its path. */
export interface Visited {
  node: WalkNode;
  credential: TrustListCredential;
  /** This list as a path step. */
  step: Extract<PathStep, { type: 'list' }>;
}

export interface WalkOptions<T> {
  starts: WalkNode[];
  /** Whether a recognition can still matter to the question (say, its capability bound admits it). */
  follow: (entry: Recognition) => boolean;
  /** Looks at one verified list; an answer ends the walk. */
  visit: (visited: Visited, report: (skipped: SkippedList) => void) => T | undefined;
  maxLists: number;
  now: number;
  skewMs: number;
}

/** Walks from `starts`; returns the first answer `visit` gives, and everything skipped on the way. */
export async function walk<T>(session: Session, options: WalkOptions<T>): Promise<{ found: T | undefined; skipped: SkippedList[] }> {
  const { follow, visit, maxLists, now, skewMs } = options;
  const skipped: SkippedList[] = [];
  const reported = new Set<string>();
  const report = (entry: SkippedList): void => {
    const key = `${entry.url} ${entry.entry ?? ''} ${entry.code}`;
    if (reported.has(key)) return;
    reported.add(key);
    skipped.push(entry);
  };
  const best = new Map<string, number>();
  const queue = [...options.starts];
  let opened = 0;
  // An index instead of shift(): the queue only grows.
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    const key = `${node.issuer} ${node.url}`;
    if ((best.get(key) ?? -1) >= node.budget) continue;
    best.set(key, node.budget);
    if (opened >= maxLists) {
      report({ url: node.url, code: 'ERR_INPUT_TOO_LARGE', reason: 'max-lists', message: `a decision opens at most ${maxLists} trust lists` });
      break;
    }
    opened++;
    const result = await session.open(node.url, node.issuer);
    if ('skipped' in result) {
      report(result.skipped);
      continue;
    }
    const { credential } = result;
    const step = { type: 'list' as const, url: node.url, issuer: node.issuer, hops: node.budget, version: credential.credentialSubject.version };
    const found = visit({ node, credential, step }, report);
    if (found !== undefined) return { found, skipped };
    if (node.budget < 1) continue;
    credential.credentialSubject.recognizes.forEach((entry, index) => {
      const late = windowError('recognition', undefined, entry.validUntil, now, skewMs);
      if (late !== undefined) {
        report(skipOf(node.url, late, `/credentialSubject/recognizes/${index}`));
        return;
      }
      if (!follow(entry)) return;
      queue.push({ url: entry.url, issuer: entry.issuer, budget: Math.min(node.budget - 1, entry.hops), path: [...node.path, step] });
    });
  }
  return { found: undefined, skipped };
}
