/**
 * @module console/pages/agents
 *
 * `GET /console/agents`: one page of the node's agents with their owner,
 * DID method, status, key age and rotation due, and their credentials by
 * state (node/overview/agents).
 */

import type { NodeContext } from '../../node/context.js';
import { listAgentOverview, type AgentSummary } from '../../node/overview/agents.js';
import { legateError } from '../../errors/index.js';
import { html, type SafeHtml } from '../html.js';
import { badge, mono, render, renderError, type ConsoleContext } from './common.js';

function keyCell(summary: AgentSummary): SafeHtml {
  const { key } = summary;
  if (key.ageDays === undefined) return html`<span class="muted">no active key</span>`;
  return html`${key.ageDays} d${key.rotationDue === undefined ? '' : html`<br><small class="${key.overdue ? 'error' : 'muted'}">rotate by ${key.rotationDue.slice(0, 10)}</small>`}`;
}

function credentialsCell({ credentials }: AgentSummary): SafeHtml {
  const parts = (['active', 'suspended', 'revoked', 'expired'] as const).filter((s) => credentials[s] > 0).map((s) => html`${badge(s)} ${credentials[s]} `);
  return parts.length === 0 ? html`<span class="muted">none</span>` : html`${parts}${credentials.more ? html`<small class="muted">and more</small>` : ''}`;
}

function pageNumber(text: string | undefined): number {
  if (text === undefined || text === '') return 1;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1) throw legateError('ERR_INVALID_ARGUMENT', 'page must be a positive integer', { claim: 'page' });
  return Number(text);
}

export async function agentsPage(c: ConsoleContext, node: NodeContext) {
  let overview;
  try {
    overview = await listAgentOverview(node, { page: pageNumber(c.req.query('page')) });
  } catch (error) {
    return renderError(c, node, error, 'agents');
  }
  const rows = overview.agents.map(
    (s) => html`<tr data-agent="${s.agent.name}">
<td><a href="/console/agents/${encodeURIComponent(s.agent.name)}">${s.agent.name}</a><br>${mono(s.agent.did)}</td>
<td>${s.agent.owner}</td>
<td>did:${s.agent.method}</td>
<td>${badge(s.agent.status)}</td>
<td>${keyCell(s)}</td>
<td>${credentialsCell(s)}</td>
</tr>`,
  );
  const { page, pages } = overview;
  const pager = html`<nav class="pager" aria-label="Pages">${page > 1 ? html`<a href="/console/agents?page=${page - 1}" rel="prev">← Previous</a>` : ''}
<span class="muted">page ${page} of ${pages} · ${overview.total} agents</span>${page < pages ? html`<a href="/console/agents?page=${page + 1}" rel="next">Next →</a>` : ''}</nav>`;
  return render(c, node, {
    title: 'Agents',
    active: 'agents',
    body: html`<table>
<thead><tr><th>Agent</th><th>Owner</th><th>Method</th><th>Status</th><th>Key age</th><th>Credentials</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6" class="muted">No agents on this page.</td></tr>` : rows}</tbody>
</table>
${pager}`,
  });
}
