/**
 * @module console/pages/charts
 *
 * `GET /console/charts`: decisions per minute by outcome over the last
 * hour, spend against budget per capability, and failed authentications
 * per peer (node/overview/decision-rate, spend, failed-auth), each drawn as
 * server-side SVG with a text table beside it for screen readers.
 */

import { AUDIT_DECISIONS } from '../../audit/types.js';
import type { NodeContext } from '../../node/context.js';
import { decisionRate } from '../../node/overview/decision-rate.js';
import { failedAuthentications } from '../../node/overview/failed-auth.js';
import { spendAgainstBudget } from '../../node/overview/spend.js';
import { html } from '../html.js';
import { mono, render, type ConsoleContext } from './common.js';
import { horizontalBars, stackedColumns } from './svg.js';

const legend = html`<p class="legend">${AUDIT_DECISIONS.map((d) => html`<span class="key ${d}"></span> ${d.replace('_', ' ')} `)}</p>`;

export async function chartsPage(c: ConsoleContext, node: NodeContext) {
  const [rate, spend, failures] = [await decisionRate(node), await spendAgainstBudget(node), await failedAuthentications(node)];
  const labels = rate.minutes.map((m) => m.minute.slice(11, 16));
  const busy = rate.minutes.filter((m) => AUDIT_DECISIONS.some((d) => m.counts[d] > 0));
  const spendBars = spend.rows.map((r) => ({ label: `${r.agent ?? r.credential}: ${r.capability}`, value: Number(r.spent), limit: Number(r.budget) }));
  return render(c, node, {
    title: 'Charts',
    active: 'charts',
    body: html`<section class="chart-block" id="rate">
<h2>Decisions per minute, last hour</h2>
${stackedColumns('Decisions per minute by outcome, last hour (UTC)', labels, AUDIT_DECISIONS.map((d) => ({ name: d, values: rate.minutes.map((m) => m.counts[d]) })))}
${legend}
<details><summary>As a table (minutes with decisions)</summary><table><thead><tr><th>Minute (UTC)</th>${AUDIT_DECISIONS.map((d) => html`<th>${d.replace('_', ' ')}</th>`)}</tr></thead>
<tbody>${busy.map((m) => html`<tr><td>${m.minute.slice(0, 16).replace('T', ' ')}</td>${AUDIT_DECISIONS.map((d) => html`<td>${m.counts[d]}</td>`)}</tr>`)}
<tr><th>Total</th>${AUDIT_DECISIONS.map((d) => html`<th>${rate.totals[d]}</th>`)}</tr></tbody></table></details>
${rate.truncated ? html`<p class="muted">More entries than one chart reads: counts are partial.</p>` : ''}
</section>
<section class="chart-block" id="spend">
<h2>Spend against budget, current period</h2>
${spend.rows.length === 0 ? html`<p class="muted">No active credential here carries a budget.</p>` : horizontalBars('Spend against budget per capability', spendBars)}
<table><thead><tr><th>Holder</th><th>Capability</th><th>Spent</th><th>Budget</th><th>Period</th></tr></thead>
<tbody>${spend.rows.map((r) => html`<tr><td>${r.agent ?? mono(r.credential)}</td><td>${r.capability}</td><td>${r.spent} ${r.currency}</td><td>${r.budget} ${r.currency}</td><td>${r.period}</td></tr>`)}</tbody></table>
<p class="muted">Usage is counted where actions are decided: this node's own decisions only.</p>
</section>
<section class="chart-block" id="failures">
<h2>Failed authentications per peer, last hour</h2>
${failures.peers.length === 0 ? html`<p class="muted">None since ${failures.since}.</p>` : horizontalBars('Failed authentications per peer, last hour', failures.peers.map((p) => ({ label: p.peer, value: p.count })))}
<table><thead><tr><th>Peer (DID it claimed)</th><th>Failures</th></tr></thead>
<tbody>${failures.peers.map((p) => html`<tr><td>${mono(p.peer)}</td><td>${p.count}</td></tr>`)}</tbody></table>
</section>`,
  });
}
