// Which port `legate serve` listens on for acme's domain, and when it warns.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVE_PORT, planListenPort } from '../../src/server/listen-port.js';

describe('planListenPort', () => {
  it("defaults to the port in the organization's domain, with no warning", () => {
    expect(planListenPort('localhost:8443')).toEqual({ port: 8443, warnings: [] });
    expect(planListenPort('[::1]:9443')).toEqual({ port: 9443, warnings: [] });
    expect(planListenPort('acme.example:7401', 7401)).toEqual({ port: 7401, warnings: [] });
  });

  it('warns when --port differs from the domain port, whose published endpoints it will not answer', () => {
    const plan = planListenPort('acme.example:8443', 9000);
    expect(plan.port).toBe(9000);
    expect(plan.warnings).toEqual([expect.stringContaining('--port 9000 differs from the port in the organization\'s domain (acme.example:8443)')]);
  });

  it('keeps 7401 for a domain without a port, and says the published endpoints are https://host behind a TLS proxy', () => {
    const plan = planListenPort('acme.example');
    expect(plan.port).toBe(DEFAULT_SERVE_PORT);
    expect(plan.warnings).toEqual([expect.stringMatching(/https:\/\/acme\.example \(port 443\).*TLS proxy.*\(7401\)/)]);
    expect(planListenPort('[::1]', 8080)).toMatchObject({ port: 8080, warnings: [expect.stringContaining('https://[::1]')] });
  });
});
