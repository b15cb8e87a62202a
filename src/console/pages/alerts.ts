/**
 * @module console/pages/alerts
 *
 * `GET /console/alerts`: the alerts this node keeps, newest first, open or
 * all (node/alerts/list); `POST /console/alerts/ack` (approver or admin):
 * acknowledges one, audited with the operator's name.
 */

import { acknowledgeAlert } from '../../node/alerts/acknowledge.js';
import { listAlerts } from '../../node/alerts/list.js';
import type { NodeContext } from '../../node/context.js';
import { roleAtLeast } from '../../node/operators/roles.js';
import { html } from '../html.js';
import { field, mono, render, renderError, type ConsoleContext } from './common.js';

export async function alertsPage(c: ConsoleContext, node: NodeContext) {
  const open = c.req.query('all') !== 'yes';
  let alerts;
  try {
    alerts = await listAlerts(node, { open, limit: 200 });
  } catch (error) {
    return renderError(c, node, error, 'alerts');
  }
  const operator = c.get('operator');
  const canAck = roleAtLeast(operator.role, 'approver');
  const rows = alerts.map(
    (a) => html`<tr data-alert-rule="${a.rule}">
<td>${a.firedAt.replace('T', ' ').slice(0, 19)}</td>
<td><span class="badge ${a.severity}">${a.severity}</span></td>
<td>${mono(a.rule)}</td>
<td>${mono(a.subject)}</td>
<td>${a.message}</td>
<td>${
      a.acknowledgedAt !== undefined
        ? html`<span class="muted">acknowledged by ${a.acknowledgedBy ?? '—'}</span>`
        : canAck
          ? html`<form method="post" action="/console/alerts/ack"><input type="hidden" name="csrf" value="${c.get('csrfToken')}"><input type="hidden" name="id" value="${a.id}"><button type="submit">Acknowledge</button></form>`
          : html`<span class="muted">open</span>`
    }</td>
</tr>`,
  );
  return render(c, node, {
    title: 'Alerts',
    active: 'alerts',
    body: html`<p>${open ? html`Open alerts. <a href="/console/alerts?all=yes">Show all</a>` : html`All alerts. <a href="/console/alerts">Open only</a>`}</p>
<table id="alerts">
<thead><tr><th>Fired (UTC)</th><th>Severity</th><th>Rule</th><th>Subject</th><th>What</th><th></th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6" class="muted">No ${open ? 'open ' : ''}alerts.</td></tr>` : rows}</tbody>
</table>`,
  });
}

export async function acknowledgePost(c: ConsoleContext, node: NodeContext) {
  const id = field((await c.req.parseBody()).id) ?? '';
  try {
    await acknowledgeAlert(node, id, { operator: c.get('operator').name });
  } catch (error) {
    return renderError(c, node, error, 'alerts');
  }
  return c.redirect('/console/alerts', 303);
}
