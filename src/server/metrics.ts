/**
 * @module server/metrics
 *
 * Counters for `/metrics` in the Prometheus text exposition format (0.0.4):
 * requests by route and status, verifications by outcome and code,
 * handshakes and action decisions. In-process and dependency-free.
 */

type Labels = Record<string, string>;

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.#values.values()) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(',');
      lines.push(`${this.name}${text ? `{${text}}` : ''} ${value}`);
    }
    return lines.join('\n');
  }
}

/** The node's metrics. */
export class Metrics {
  readonly requests = new Counter('legate_http_requests_total', 'HTTP requests by method, route and status.');
  readonly verifications = new Counter('legate_verifications_total', 'Verifications by kind, outcome and error code.');
  readonly handshakes = new Counter('legate_handshakes_total', 'ACE handshake messages by type and outcome.');
  readonly decisions = new Counter('legate_action_decisions_total', 'Signed-action decisions by decision and first reason code.');
  readonly tokens = new Counter('legate_oauth_tokens_total', 'Token exchange requests by outcome (issued, refused) and Legate code.');
  readonly introspections = new Counter('legate_oauth_introspections_total', 'Introspection answers by outcome (active, inactive, refused).');
  readonly evaluations = new Counter('legate_authzen_decisions_total', 'AuthZEN evaluations by decision (allow, deny, approval_required, refused) and first reason code.');

  render(): string {
    const all = [this.requests, this.verifications, this.handshakes, this.decisions, this.tokens, this.introspections, this.evaluations];
    return `${all.map((c) => c.render()).join('\n')}\n`;
  }
}
