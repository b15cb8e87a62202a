// jsonld is heavy (about 130 ms to load): only code that meets a Data Integrity credential loads it.
// Runs the built library in a fresh process, as the CLI tests do (needs `npm run build`).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

const script = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const jsonldLoaded = () => Object.keys(require.cache).some((path) => /[\\\\/]jsonld[\\\\/]/.test(path));
const dist = ${JSON.stringify(DIST)};
for (const area of ['index.js', 'credential/index.js', 'delegation/index.js', 'presentation/index.js', 'status/index.js', 'node/index.js']) await import(dist + area);
const { issueCapabilityCredential, verifyCapabilityCredential } = await import(dist + 'credential/index.js');
const { generateEphemeralSigner } = await import(dist + 'keys/index.js');
const { createDidResolver } = await import(dist + 'did/index.js');
const signer = generateEphemeralSigner();
const subject = { id: signer.did, owner: 'mailto:o@example.com', capabilities: [{ action: 'read', resource: 'crm:notes' }] };
const { jwt } = await issueCapabilityCredential({ issuer: signer.did, signer, subject });
const jwtResult = await verifyCapabilityCredential(jwt, { resolver: createDidResolver() });
const before = jsonldLoaded();
const { secured } = await issueCapabilityCredential({ issuer: signer.did, signer, subject, format: 'di' });
const diResult = await verifyCapabilityCredential(secured, { resolver: createDidResolver() });
console.log(JSON.stringify({ jwt: jwtResult.verified, before, di: diResult.verified, after: jsonldLoaded() }));
`;

describe('loading jsonld', () => {
  it('happens only once a Data Integrity credential is issued or verified', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ jwt: true, before: false, di: true, after: true });
  });
});
