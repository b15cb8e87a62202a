/**
 * @module console/pages/changes
 *
 * `GET /console/changes`: revocations, suspensions, reinstatements and
 * retirements waiting for a second operator (`operators.secondPerson`,
 * node/changes), newest first; `POST /console/changes/decide` (admin):
 * confirm (which carries it out, audited with both names) or cancel. The
 * admin who asked cannot confirm (`ERR_SECOND_PERSON`).
 */

import { cancelChange, confirmChange, listChanges } from '../../node/changes/decide.js';
import type { NodeContext } from '../../node/context.js';
import { roleAtLeast } from '../../node/operators/roles.js';
import { html } from '../html.js';
import { badge, field, mono, render, renderError, type ConsoleContext } from './common.js';

export async function changesPage(c: ConsoleContext, node: NodeContext) {
  const operator = c.get('operator');
  const admin = roleAtLeast(operator.role, 'admin');
  const rows = (await listChanges(node, { limit: 200 })).map(
    (ch) => html`<tr data-change="${ch.id}" data-status="${ch.status}">
<td>${ch.requestedAt.replace('T', ' ').slice(0, 19)}<br><small class="muted">until ${ch.expiresAt.replace('T', ' ').slice(0, 16)}</small></td>
<td>${badge(ch.status)}${ch.decidedBy === undefined ? '' : html`<br><small class="muted">by ${ch.decidedBy}</small>`}</td>
<td>${ch.kind}</td>
<td>${mono(ch.target)}</td>
<td>${ch.requestedBy}</td>
<td>${ch.reason ?? ''}</td>
<td>${
      admin && ch.status === 'pending'
        ? html`<form class="inline" method="post" action="/console/changes/decide" data-confirm="Carry out this ${ch.kind} now?"><input type="hidden" name="csrf" value="${c.get('csrfToken')}"><input type="hidden" name="id" value="${ch.id}"><input type="hidden" name="verdict" value="confirm"><button type="submit" class="danger" data-confirm-change="${ch.id}">Confirm</button></form>
<form class="inline" method="post" action="/console/changes/decide"><input type="hidden" name="csrf" value="${c.get('csrfToken')}"><input type="hidden" name="id" value="${ch.id}"><input type="hidden" name="verdict" value="cancel"><button type="submit">Cancel</button></form>`
        : ''
    }</td>
</tr>`,
  );
  return render(c, node, {
    title: 'Changes',
    active: 'changes',
    body: html`<p class="muted">Changes that wait for a second admin (<code>operators.secondPerson</code>: ${node.changes.secondPerson.length === 0 ? 'none' : node.changes.secondPerson.join(', ')}). The admin who asked cannot confirm.</p>
<table id="changes">
<thead><tr><th>Asked (UTC)</th><th>Status</th><th>Change</th><th>Target</th><th>Asked by</th><th>Reason</th><th></th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="7" class="muted">No changes.</td></tr>` : rows}</tbody>
</table>`,
  });
}

export async function decideChangePost(c: ConsoleContext, node: NodeContext) {
  const form = await c.req.parseBody();
  const id = field(form.id) ?? '';
  const { name, role } = c.get('operator');
  try {
    if (field(form.verdict) === 'confirm') await confirmChange(node, id, { operator: { name, role } });
    else await cancelChange(node, id, { operator: { name, role } });
  } catch (error) {
    return renderError(c, node, error, 'changes');
  }
  return c.redirect('/console/changes', 303);
}
