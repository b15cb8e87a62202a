// Headers set after a Hono handler returned (lib/response-header): in place on the response it made, and through
// hono's own rebuild (c.header) for a response whose headers are immutable.
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { setResponseHeader } from '../../src/lib/response-header.js';

function app() {
  const made: Response[] = [];
  const hono = new Hono();
  hono.use('*', async (c, next) => {
    await next();
    made.push(c.res);
    setResponseHeader(c, 'X-Request-Id', 'req-1');
    setResponseHeader(c, 'X-Content-Type-Options', 'nosniff');
  });
  hono.get('/json', (c) => c.json({ ok: true }, 201));
  return { hono, made };
}

describe('setResponseHeader', () => {
  it('sets headers on the response the handler made, in place: same object, status and body kept', async () => {
    const { hono, made } = app();
    const response = await hono.request('/json');
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.json()).toEqual({ ok: true });
    expect(response).toBe(made[0]);
  });

  it('falls back to c.header for a response whose headers are immutable (a fetched or redirect response)', () => {
    // Whether Response.redirect's headers are immutable depends on which Response is global (the Node adapter swaps its own in).
    const immutable = { set: () => { throw new TypeError('immutable'); } } as unknown as Headers;
    const header = vi.fn();
    setResponseHeader({ res: { headers: immutable }, header }, 'X-Request-Id', 'req-1');
    expect(header).toHaveBeenCalledWith('X-Request-Id', 'req-1');
  });
});
