/**
 * @module console/pages/decisions
 *
 * `GET /console/decisions`: the decision feed (node/overview/decisions)
 * with its filters (agent, action, resource, outcome, time range) as a GET
 * form; each row marked `data-decision`, with its reasons and attribution
 * chain out to the human owner, linking to its audit entry.
 * `GET /console/decisions.json?after=<cursor>&…`: what was logged after the
 * cursor, for console.js to poll and insert at the top (as text, never
 * markup). A bad filter is a page (or JSON problem) naming its code.
 */

import type { NodeContext } from '../../node/context.js';
import { AUDIT_DECISIONS } from '../../audit/types.js';
import { legateError } from '../../errors/index.js';
import { decisionFilter, type DecisionQuery } from '../../node/overview/decision-filter.js';
import { decisionsAfter, listDecisions, type DecisionRow } from '../../node/overview/decisions.js';
import { html, type SafeHtml } from '../html.js';
import { agentRef, badge, mono, problemOf, render, renderError, type ConsoleContext } from './common.js';

const FILTERS = ['agent', 'action', 'resource', 'decision', 'from', 'to', 'limit'] as const;

/** Where a decision's audit entry is shown. */
export const entryHref = (row: Pick<DecisionRow, 'chain' | 'seq'>): string => `/console/audit/${encodeURIComponent(row.chain)}/${row.seq}`;

function queryOf(c: ConsoleContext): DecisionQuery {
  const query: Record<string, string | undefined> = {};
  for (const name of FILTERS) query[name] = c.req.query(name);
  return query;
}

/** The filters as a query string (for the JSON feed), only those given. */
function filterString(query: DecisionQuery): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = query[name];
    if (value !== undefined && value !== '') params.set(name, value);
  }
  return params.toString();
}

function row(d: DecisionRow): SafeHtml {
  return html`<tr data-decision="${d.decision}">
<td><a href="${entryHref(d)}" title="audit entry ${d.seq}">${d.at.replace('T', ' ').slice(0, 19)}</a></td>
<td>${badge(d.decision)}<br><small class="muted">${d.type}</small></td>
<td>${d.action ?? ''} ${d.resource === undefined ? '' : mono(d.resource)}</td>
<td>${agentRef(d.agent, d.agentName)}</td>
<td class="chain">${d.attribution.map((who, i) => html`${i === 0 ? '' : html` <span class="muted">→</span> `}<span>${who}</span>`)}</td>
<td>${d.reasons.map((r) => html`<code>${r}</code> `)}${d.approver === undefined ? '' : html`<br><small>approved by ${mono(d.approver)}</small>`}</td>
</tr>`;
}

function filterForm(query: DecisionQuery): SafeHtml {
  const input = (name: string, label: string, placeholder: string) =>
    html`<label>${label}<input type="text" name="${name}" value="${query[name] ?? ''}" placeholder="${placeholder}"></label>`;
  return html`<form class="filters" method="get" action="/console/decisions">
${input('agent', 'Agent', 'name or DID')}${input('action', 'Action', 'call')}${input('resource', 'Resource', 'billing:*')}
<label>Decision<select name="decision"><option value="">any</option>${AUDIT_DECISIONS.map(
    (d) => html`<option value="${d}"${query.decision === d ? html` selected` : ''}>${d.replace('_', ' ')}</option>`,
  )}</select></label>
${input('from', 'From (UTC)', '2026-03-01T09:00')}${input('to', 'To (UTC)', 'now')}
<button type="submit">Filter</button> <a href="/console/decisions">Clear</a></form>`;
}

export async function decisionsPage(c: ConsoleContext, node: NodeContext) {
  const query = queryOf(c);
  let result;
  try {
    result = await listDecisions(node, await decisionFilter(node, query));
  } catch (error) {
    return renderError(c, node, error, 'decisions');
  }
  const live = (query.to ?? '') === '' && result.cursor !== undefined;
  const feed = `/console/decisions.json?${filterString(query)}`;
  return render(c, node, {
    title: 'Decisions',
    active: 'decisions',
    body: html`${filterForm(query)}
${live ? html`<p class="muted live">Live: new decisions appear at the top.</p>` : ''}
${result.truncated ? html`<p class="notice">The range holds more entries than one page reads: narrow it to see them all.</p>` : ''}
<table id="feed"${live ? html` data-feed="${feed}" data-cursor="${result.cursor ?? ''}"` : ''}>
<thead><tr><th>When</th><th>Decision</th><th>Capability</th><th>Agent</th><th>Attribution (agent → owner)</th><th>Reasons</th></tr></thead>
<tbody>${result.decisions.map(row)}</tbody></table>
${result.decisions.length === 0 ? html`<p class="muted empty">No decisions match.</p>` : ''}`,
  });
}

export async function decisionsJson(c: ConsoleContext, node: NodeContext) {
  try {
    const after = c.req.query('after');
    if (after === undefined || after === '') throw legateError('ERR_INVALID_ARGUMENT', 'after is required: the cursor of the page or the last poll', { claim: 'after' });
    const page = await decisionsAfter(node, await decisionFilter(node, queryOf(c)), after);
    return c.json({ decisions: page.decisions.map((d) => ({ ...d, href: entryHref(d) })), cursor: page.cursor, truncated: page.truncated });
  } catch (error) {
    const { status, code, message } = problemOf(error);
    return c.json({ status, code, detail: message }, status as 400, { 'content-type': 'application/problem+json' });
  }
}
