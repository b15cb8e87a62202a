/**
 * @module console/pages/audit-entry
 *
 * `GET /console/audit/:chain/:seq`: one audit entry's fields and whether
 * its chain links up to it (node/overview/audit-entry). A signed action the
 * entry holds is a token and is never shown, only that there is one.
 */

import type { NodeContext } from '../../node/context.js';
import { auditEntryOverview } from '../../node/overview/audit-entry.js';
import { legateError } from '../../errors/index.js';
import { html, type SafeHtml } from '../html.js';
import { badge, mono, render, renderError, type ConsoleContext } from './common.js';

const list = (items: readonly string[] | undefined): SafeHtml | string => (items === undefined || items.length === 0 ? '—' : html`${items.map((i) => html`<div>${mono(i)}</div>`)}`);

export async function auditEntryPage(c: ConsoleContext, node: NodeContext) {
  let overview;
  try {
    const seq = c.req.param('seq') ?? '';
    if (!/^\d{1,15}$/.test(seq)) throw legateError('ERR_INVALID_ARGUMENT', 'seq must be a positive integer', { claim: 'seq' });
    overview = await auditEntryOverview(node, c.req.param('chain') ?? '', Number(seq));
  } catch (error) {
    return renderError(c, node, error, 'decisions');
  }
  const { entry, check } = overview;
  const verdict = !check.checked
    ? html`<span class="badge">not checked here</span> <span class="muted">the chain is long: run <code>legate audit verify</code></span>`
    : check.ok
      ? html`<span class="badge allow" data-chain="ok">links up to here</span> <span class="muted">every entry from 1 to ${overview.seq} matches its hash and links to the one before (checkpoint signatures: <code>legate audit verify</code>)</span>`
      : html`<span class="badge deny" data-chain="broken">broken</span> ${check.problem === undefined ? '' : html`at entry ${check.problem.seq}: ${check.problem.message}`}`;
  return render(c, node, {
    title: `Audit entry ${overview.seq}`,
    active: 'decisions',
    body: html`<div class="card"><dl class="facts">
<dt>Chain</dt><dd>${mono(overview.chain)} · entry ${overview.seq}</dd>
<dt>Chain check</dt><dd>${verdict}</dd>
<dt>At</dt><dd>${entry.at}</dd>
<dt>Type</dt><dd>${entry.type}</dd>
<dt>Decision</dt><dd>${entry.decision === undefined ? '—' : badge(entry.decision)}</dd>
<dt>Action</dt><dd>${entry.action ?? '—'}</dd>
<dt>Resource</dt><dd>${entry.resource === undefined ? '—' : mono(entry.resource)}</dd>
<dt>Agent</dt><dd>${entry.agent === undefined ? '—' : mono(entry.agent)}</dd>
<dt>Owner</dt><dd>${entry.owner ?? '—'}</dd>
<dt>Attribution</dt><dd>${list(entry.chain)}</dd>
<dt>Reasons</dt><dd>${list(entry.reasons)}</dd>
<dt>Approver</dt><dd>${entry.approver === undefined ? '—' : mono(entry.approver)}${entry.approval === undefined ? '' : html` (approval ${mono(entry.approval)})`}</dd>
<dt>Session</dt><dd>${entry.session === undefined ? '—' : mono(entry.session)}</dd>
<dt>Credentials</dt><dd>${list(entry.credentials)}</dd>
<dt>Signed action</dt><dd>${overview.hasSignedAction ? 'kept in the log (not shown)' : '—'}</dd>
<dt>Details</dt><dd>${entry.details === undefined ? '—' : html`<pre>${JSON.stringify(entry.details, null, 2)}</pre>`}</dd>
<dt>Hash</dt><dd>${mono(overview.hash)}</dd>
<dt>Previous hash</dt><dd>${mono(entry.prevHash)}</dd>
</dl></div><p><a href="/console/decisions">Back to decisions</a></p>`,
  });
}
