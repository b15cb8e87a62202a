/**
 * Runs one example by name: `npm run example -- customer-support-agent`.
 * Each example exports `main()`.
 */

import { readdirSync } from 'node:fs';

const names = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .map((f) => f.slice(0, -3));
const name = process.argv[2];
if (name === undefined || !names.includes(name)) {
  console.error(`usage: npm run example -- <${names.join('|')}>`);
  process.exit(2);
}
const example = (await import(`./${name}.js`)) as { main: () => Promise<unknown> };
await example.main();
