/**
 * @module console/pages/approvals
 *
 * `GET /console/approvals`: the approval inbox of this node's agents
 * (node/approvals), pending first. An approver or admin approves or denies
 * a pending request in one step, signing with their own did:key, and sends
 * an approved action again once (`POST /console/approvals/decide`,
 * `POST /console/approvals/retry`), each audited with their name.
 */

import { approveRequest, denyRequest } from '../../node/approvals/decide.js';
import { listApprovalRequests } from '../../node/approvals/list.js';
import { retryApproved } from '../../node/approvals/retry.js';
import type { NodeContext } from '../../node/context.js';
import { roleAtLeast } from '../../node/operators/roles.js';
import type { ApprovalRequestRecord } from '../../store/ports/approval-requests.js';
import { legateError } from '../../errors/index.js';
import { html, type SafeHtml } from '../html.js';
import { badge, field, mono, render, renderError, type ConsoleContext } from './common.js';

function controls(c: ConsoleContext, r: ApprovalRequestRecord): SafeHtml {
  const csrf = c.get('csrfToken');
  if (!roleAtLeast(c.get('operator').role, 'approver')) return html``;
  if (r.status === 'pending') {
    return html`<form class="inline" method="post" action="/console/approvals/decide"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${r.id}"><input type="hidden" name="verdict" value="approve"><button type="submit" data-approve="${r.id}">Approve</button></form>
<form class="inline" method="post" action="/console/approvals/decide"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${r.id}"><input type="hidden" name="verdict" value="deny"><input name="reason" placeholder="reason" maxlength="500"><button type="submit" class="danger">Deny</button></form>`;
  }
  if (r.status === 'approved') {
    return html`<form class="inline" method="post" action="/console/approvals/retry"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${r.id}"><button type="submit" data-retry="${r.id}">Send again with the approval</button></form>`;
  }
  return html``;
}

export async function approvalsPage(c: ConsoleContext, node: NodeContext, notice?: SafeHtml) {
  let requests;
  try {
    requests = await listApprovalRequests(node, { status: field(c.req.query('status')) || undefined });
  } catch (error) {
    return renderError(c, node, error, 'approvals');
  }
  const rows = requests.map(
    (r) => html`<tr data-request="${r.id}" data-status="${r.status}">
<td>${r.createdAt.replace('T', ' ').slice(0, 19)}<br><small class="muted">until ${r.expiresAt.slice(11, 19)}</small></td>
<td>${badge(r.status)}${r.decidedBy === undefined ? '' : html`<br><small class="muted">by ${r.operator ?? r.decidedBy}</small>`}</td>
<td>${r.agent}</td>
<td>${r.request.action} ${mono(r.request.resource)}${r.request.scope === undefined ? '' : html` <span class="badge">scope ${r.request.scope}</span>`}</td>
<td>${r.request.amount === undefined ? html`<span class="muted">—</span>` : `${r.request.amount.value} ${r.request.amount.currency}`}</td>
<td class="chain">${r.attribution.map((a, i) => html`${i > 0 ? html` <span class="muted">→</span> ` : ''}<span>${a}</span>`)}</td>
<td>${mono(r.peer)}<br><small class="muted">${r.accepts.join('; ')}</small></td>
<td>${controls(c, r)}</td>
</tr>`,
  );
  return render(c, node, {
    title: 'Approvals',
    active: 'approvals',
    body: html`${notice ?? ''}<p class="muted">Actions of this node's agents that a verifier will take only with a human's approval. You sign approvals with your own key${
      c.get('operator').did === undefined ? '' : html` (${mono(c.get('operator').did!)})`
    }; the verifier says whose approval it accepts.</p>
<table id="approvals">
<thead><tr><th>Asked (UTC)</th><th>Status</th><th>Agent</th><th>Action</th><th>Amount</th><th>Attribution</th><th>Verifier</th><th></th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="8" class="muted">No requests.</td></tr>` : rows}</tbody>
</table>`,
  });
}

export async function decidePost(c: ConsoleContext, node: NodeContext) {
  const form = await c.req.parseBody();
  const id = field(form.id) ?? '';
  const operator = c.get('operator');
  try {
    if (operator.did === undefined) throw legateError('ERR_KEY_UNAVAILABLE', `${operator.name} has no signing key: give them the approver role again`, { claim: 'approver' });
    if (field(form.verdict) === 'approve') await approveRequest(node, id, { approver: operator.did, operator: operator.name });
    else await denyRequest(node, id, { approver: operator.did, operator: operator.name, reason: field(form.reason)?.trim() });
  } catch (error) {
    return renderError(c, node, error, 'approvals');
  }
  return c.redirect('/console/approvals', 303);
}

export async function retryPost(c: ConsoleContext, node: NodeContext) {
  const id = field((await c.req.parseBody()).id) ?? '';
  let decision;
  try {
    decision = await retryApproved(node, id);
  } catch (error) {
    return renderError(c, node, error, 'approvals');
  }
  const reasons = decision.reasons.map((r) => html`<code>${r.code}</code> `);
  return approvalsPage(c, node, html`<p class="notice" data-retry-decision="${decision.decision}">Sent again: ${badge(decision.decision)} ${reasons}</p>`);
}
