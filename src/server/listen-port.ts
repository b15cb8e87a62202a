/**
 * @module server/listen-port
 *
 * Which port `legate serve` listens on. The organization's did:web embeds its
 * domain, and every endpoint its DID documents publish (status lists, the
 * trust list, `/ace`, `/actions`) points at that domain, so a server on any
 * other port is unreachable at the published addresses unless a proxy
 * forwards. The rule: the port named in the domain (`host:port`) by default;
 * a domain without a port publishes `https://host` (443), which a node on
 * 7401 can only answer behind a TLS proxy, so that default draws a note, and
 * so does an explicit `--port` that differs from the domain's.
 */

/** The port `legate serve` has always defaulted to when the domain names none. */
export const DEFAULT_SERVE_PORT = 7401;

/** What {@link planListenPort} decided. */
export interface ListenPlan {
  port: number;
  /** Human-readable warnings about published endpoints this port will not answer directly. */
  warnings: string[];
}

/** The `host` and optional `port` of a validated `host`, `host:port`, `[v6]` or `[v6]:port` domain. */
function splitDomain(domain: string): { host: string; port: number | undefined } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(domain);
  if (match === null) return { host: domain, port: undefined };
  return { host: match[1] ?? domain, port: match[2] === undefined ? undefined : Number.parseInt(match[2], 10) };
}

/**
 * Picks the listening port for an organization's `domain` and an optional
 * `--port`, with the warnings to show.
 *
 * @example
 * ```ts
 * planListenPort('localhost:8443');          // { port: 8443, warnings: [] }
 * planListenPort('acme.example').port;       // 7401, with a note about the TLS proxy
 * planListenPort('localhost:8443', 9000);    // { port: 9000, warnings: ['--port 9000 differs ...'] }
 * ```
 */
export function planListenPort(domain: string, requested?: number): ListenPlan {
  const { host, port: published } = splitDomain(domain);
  const port = requested ?? published ?? DEFAULT_SERVE_PORT;
  const warnings: string[] = [];
  if (published === undefined) {
    warnings.push(
      `the DID documents of ${domain} point peers at https://${host} (port 443); ` +
        `serve behind a TLS proxy that forwards ${host}:443 to this port (${port}), or re-initialize with --domain ${host}:<port>`,
    );
  } else if (port !== published) {
    warnings.push(
      `--port ${port} differs from the port in the organization's domain (${domain}): ` +
        `its DID documents point peers at ${host}:${published}, which this server does not answer unless a proxy forwards it`,
    );
  }
  return { port, warnings };
}
