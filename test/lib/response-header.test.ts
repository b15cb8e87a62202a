// Headers set after a Hono handler returned (lib/response-header): in place on the response it made, and on a
// response whose headers are immutable (Response.redirect) through hono's own rebuild.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
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
  hono.get('/moved', () => Response.redirect('https://bank.example/json', 302));
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

  it('sets them on a response with immutable headers by rebuilding it, as c.header does', async () => {
    const { hono, made } = app();
    const response = await hono.request('/moved');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://bank.example/json');
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response).not.toBe(made[0]);
  });
});
