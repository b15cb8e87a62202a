// lib/trace: Legate's spans through @opentelemetry/api alone (#18 item 4).
import { afterEach, describe, expect, it } from 'vitest';
import { legateError } from '../../src/errors/index.js';
import { traced } from '../../src/lib/trace.js';
import { captureSpans } from '../helpers/spans.js';

let capture: ReturnType<typeof captureSpans> | undefined;
afterEach(() => {
  capture?.release();
  capture = undefined;
});

describe('traced', () => {
  it('runs the function and returns its value with no provider registered (the API no-op)', async () => {
    let seen: unknown;
    const answer = traced('legate.test', { 'legate.agent': 'did:web:a.example' }, (span) => {
      span.set({ 'legate.decision': 'allow' });
      seen = 'ran';
      return Promise.resolve(42);
    });
    expect(await answer).toBe(42);
    expect(seen).toBe('ran');
  });

  it('with no provider, a function that throws at once still rejects (never throws), and a provider registered later records from the next call', async () => {
    const error = legateError('ERR_REPLAY', 'replayed');
    let pending: Promise<unknown> | undefined;
    expect(() => (pending = traced('legate.test', {}, () => { throw error; }))).not.toThrow();
    await expect(pending).rejects.toBe(error);
    const { spans } = (capture = captureSpans());
    await traced('legate.test', { n: 1 }, () => Promise.resolve());
    expect(spans).toEqual([{ name: 'legate.test', attributes: { n: 1 }, ended: true }]);
  });

  it('records text, numbers and booleans, cut at 256 characters; leaves out undefined and objects', async () => {
    const { spans } = (capture = captureSpans());
    await traced('legate.test', { 'legate.agent': 'd'.repeat(300), n: 1, b: false, u: undefined, o: { token: 'x' } }, (span) => Promise.resolve(span.set({ 'legate.decision': 'deny', list: ['a'] })));
    expect(spans).toEqual([{ name: 'legate.test', attributes: { 'legate.agent': 'd'.repeat(256), n: 1, b: false, 'legate.decision': 'deny' }, ended: true }]);
  });

  it('ends a span that throws with status ERROR and the error code only, and rethrows', async () => {
    const { spans } = (capture = captureSpans());
    const error = legateError('ERR_REPLAY', 'secret-looking detail eyJhbGciOi.x.y');
    await expect(traced('legate.test', {}, () => Promise.reject(error))).rejects.toBe(error);
    await expect(traced('legate.test', {}, () => Promise.reject(new Error('boom: Bearer abc')))).rejects.toThrow('boom');
    expect(spans.map((s) => [s.attributes['legate.reason_code'], s.status, s.ended])).toEqual([
      ['ERR_REPLAY', { code: 2, message: 'ERR_REPLAY' }, true],
      ['ERR_INTERNAL', { code: 2, message: 'ERR_INTERNAL' }, true],
    ]);
  });
});
