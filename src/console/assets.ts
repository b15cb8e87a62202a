/**
 * @module console/assets
 *
 * The console's stylesheet and script, served by the node itself from the
 * package's `assets/console/` folder (nothing is fetched from anywhere
 * else). Only the names listed here are served; each is read once per app.
 */

import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { legateError } from '../errors/index.js';

const ASSET_DIR = new URL('../../assets/console/', import.meta.url);

const TYPES: Readonly<Record<string, string>> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};

/** `GET /assets/:name` for the listed assets. */
export function assetRoutes(): Hono {
  const loaded = new Map<string, string>();
  const app = new Hono();
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    const type = TYPES[name];
    if (type === undefined) throw legateError('ERR_NOT_FOUND', 'no such asset');
    let body = loaded.get(name);
    if (body === undefined) {
      body = readFileSync(new URL(name, ASSET_DIR), 'utf8');
      loaded.set(name, body);
    }
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=300' });
  });
  return app;
}
