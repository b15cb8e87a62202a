/**
 * @module console/pages/operators
 *
 * `GET /console/operators` (admin): who may sign in, with which role,
 * whether they use a second factor, whether they are locked out, and the
 * DID their approvals are signed with. Accounts are managed with
 * `legate operator` (or `POST /admin/operators`).
 */

import type { NodeContext } from '../../node/context.js';
import { listOperators } from '../../node/operators/change.js';
import { html } from '../html.js';
import { mono, render, type ConsoleContext } from './common.js';

export async function operatorsPage(c: ConsoleContext, node: NodeContext) {
  const rows = (await listOperators(node)).map(
    (o) => html`<tr>
<td>${o.name}</td>
<td>${o.role}</td>
<td>${o.disabledAt !== undefined ? html`<span class="badge revoked">removed</span>` : o.lockedUntil !== undefined ? html`<span class="badge suspended">locked until ${o.lockedUntil.slice(11, 16)} UTC</span>` : html`<span class="badge active">active</span>`}</td>
<td>${o.totp ? 'TOTP' : html`<span class="muted">password only</span>`}</td>
<td>${o.did === undefined ? html`<span class="muted">—</span>` : mono(o.did)}</td>
</tr>`,
  );
  return render(c, node, {
    title: 'Operators',
    active: 'operators',
    body: html`<p class="muted">Add, change or remove operators with <code>legate operator</code>.</p>
<table>
<thead><tr><th>Name</th><th>Role</th><th>State</th><th>Second factor</th><th>Signs approvals as</th></tr></thead>
<tbody>${rows}</tbody>
</table>`,
  });
}
