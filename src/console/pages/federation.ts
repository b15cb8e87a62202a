/**
 * @module console/pages/federation
 *
 * `GET /console/federation`: the organizations this node accredits and the
 * trust lists it recognizes (node/overview/federation), drawn as an SVG
 * graph on the server (this organization in the middle, an arrow to each
 * organization it trusts, labelled with what for) and listed in a table
 * for screen readers.
 */

import type { NodeContext } from '../../node/context.js';
import { federationOverview, type FederationEdge } from '../../node/overview/federation.js';
import { html, type SafeHtml } from '../html.js';
import { badge, mono, render, type ConsoleContext } from './common.js';

const W = 760;
const H = 460;
const short = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();
const what = (e: FederationEdge) => (e.capabilities.length === 0 ? 'anything it accredits' : e.capabilities.join(', '));

function graph(self: string, edges: readonly FederationEdge[]): SafeHtml {
  const cx = W / 2;
  const cy = H / 2;
  const r = Math.min(W, H) / 2 - 60;
  const others = [...new Set(edges.map((e) => e.to))].filter((d) => d !== self);
  const at = new Map<string, { x: number; y: number }>([[self, { x: cx, y: cy }]]);
  others.forEach((did, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, others.length) - Math.PI / 2;
    at.set(did, { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) });
  });
  const lines = edges.map((e) => {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    const mx = (a.x + b.x) / 2;
    const my = (a.y + b.y) / 2;
    return html`<g class="edge ${e.kind}${e.expired ? ' expired' : ''}"><line x1="${fmt(a.x)}" y1="${fmt(a.y)}" x2="${fmt(a.x + (b.x - a.x) * 0.82)}" y2="${fmt(a.y + (b.y - a.y) * 0.82)}" marker-end="url(#arrow)"/>
<text x="${fmt(mx)}" y="${fmt(my - 4)}" text-anchor="middle">${e.kind}: ${short(what(e), 36)}<title>${e.kind} ${e.to} for ${what(e)}</title></text></g>`;
  });
  const nodes = [...at].map(
    ([did, p]) => html`<g class="org${did === self ? ' self' : ''}"><circle cx="${fmt(p.x)}" cy="${fmt(p.y)}" r="${did === self ? 30 : 22}"/>
<text x="${fmt(p.x)}" y="${fmt(p.y + (did === self ? 46 : 38))}" text-anchor="middle">${short(did, 42)}<title>${did}</title></text></g>`,
  );
  return html`<svg class="chart graph" viewBox="0 0 ${W} ${H}" role="img" aria-label="Who this organization trusts, and for what"><title>Who this organization trusts, and for what</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker></defs>
${lines}${nodes}</svg>`;
}

export async function federationPage(c: ConsoleContext, node: NodeContext) {
  const overview = await federationOverview(node);
  const self = overview.organization.did;
  const rows = overview.edges.map(
    (e) => html`<tr data-kind="${e.kind}"><td>${e.kind === 'accredits' ? 'accredits' : 'recognizes the trust list of'}</td><td>${mono(e.to)}${e.url === undefined ? '' : html`<br><small>${mono(e.url)}</small>`}</td>
<td>${e.capabilities.length === 0 ? html`<span class="muted">no further bound</span>` : e.capabilities.map((p) => html`<code>${p}</code> `)}</td>
<td>${e.kind === 'accredits' ? `delegation depth ≤ ${e.maxDelegationDepth ?? 0}` : `${e.hops ?? 0} further hops`}</td>
<td>${e.validUntil ?? 'until removed'}${e.expired ? html` ${badge('expired')}` : ''}</td></tr>`,
  );
  return render(c, node, {
    title: 'Federation',
    active: 'federation',
    body: html`<p>This node speaks for ${mono(self)}${overview.trustList === undefined ? html`; it has published no trust list yet.` : html`; its trust list is at version ${overview.trustList.version}${overview.trustList.validUntil === undefined ? '' : html`, valid until ${overview.trustList.validUntil}`}.`}</p>
${overview.edges.length === 0 ? html`<p class="muted">It accredits and recognizes no one else: only its own credentials are trusted.</p>` : graph(self, overview.edges)}
<h2>Trust relations</h2>
<table><caption class="muted">${self} …</caption><thead><tr><th>Relation</th><th>Organization</th><th>For (capability patterns)</th><th>Limits</th><th>Valid until</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="5" class="muted">None.</td></tr>` : rows}</tbody></table>
${overview.truncated ? html`<p class="muted">More entries than shown: <code>legate registry list</code> shows them all.</p>` : ''}`,
  });
}
