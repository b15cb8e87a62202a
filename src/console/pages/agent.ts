/**
 * @module console/pages/agent
 *
 * `GET /console/agents/:name`: one agent (node/overview/agent): its record,
 * key age and rotation due, its credentials with capabilities, constraints
 * and state, and the delegation tree below it. An admin also sees the
 * forms that ask to revoke, suspend or reinstate a credential or retire
 * the agent; each leads to a confirmation page first (console/pages/actions).
 */

import type { CredentialView } from '../../node/credential-view.js';
import type { NodeContext } from '../../node/context.js';
import { agentOverview } from '../../node/overview/agent.js';
import type { DelegationNode } from '../../node/overview/delegation-tree.js';
import { roleAtLeast } from '../../node/operators/roles.js';
import { html, type SafeHtml } from '../html.js';
import { agentRef, badge, capabilityItem, constraintItems, mono, render, renderError, type ConsoleContext } from './common.js';

/** A form that asks for `kind` on `target`: the answer is a confirmation page. */
export function changeForm(csrf: string, kind: string, target: string, label: string, danger: boolean): SafeHtml {
  return html`<form class="inline" method="post" action="/console/actions">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="kind" value="${kind}"><input type="hidden" name="target" value="${target}">
<button type="submit"${danger ? html` class="danger"` : ''}>${label}</button></form>`;
}

function credentialActions(csrf: string, view: CredentialView): SafeHtml {
  if (view.state === 'revoked' || view.status.length === 0 || view.status.some((s) => s.set === null)) return html``;
  return html`${view.state === 'suspended' ? changeForm(csrf, 'reinstate', view.id, 'Reinstate', false) : changeForm(csrf, 'suspend', view.id, 'Suspend', false)}
${changeForm(csrf, 'revoke', view.id, 'Revoke', true)}`;
}

function credentialRow(view: CredentialView, actions: SafeHtml): SafeHtml {
  const shared = constraintItems(view.constraints);
  return html`<tr data-credential="${view.id}" data-state="${view.state}">
<td>${mono(view.id)}<br><small class="muted">from ${mono(view.issuer)}</small>${view.delegation === undefined ? '' : html`<br><small class="muted">depth ${view.delegation.depth} of ${view.delegation.maxDepth}</small>`}</td>
<td><ul class="caps">${view.capabilities.map(capabilityItem)}</ul>${shared.length === 0 ? '' : html`<div class="muted">for all: <ul class="limits">${shared}</ul></div>`}</td>
<td>${view.issuedAt.slice(0, 10)} → ${view.validUntil?.slice(0, 10) ?? 'no expiry'}</td>
<td>${badge(view.state)}${view.stateFrom === undefined ? '' : html`<br><small class="muted">from parent</small>`}</td>
<td>${actions}</td>
</tr>`;
}

function treeItems(nodes: readonly DelegationNode[]): SafeHtml {
  return html`${nodes.map(
    ({ credential, children }) => html`<li>${agentRef(credential.subject, credential.agent)} ${badge(credential.state)}
<small>${credential.capabilities.map((c) => html`${c.action} <code>${c.resource}</code> `)}</small>
${children.length === 0 ? '' : html`<ul>${treeItems(children)}</ul>`}</li>`,
  )}`;
}

export async function agentPage(c: ConsoleContext, node: NodeContext) {
  let overview;
  try {
    overview = await agentOverview(node, c.req.param('name') ?? '');
  } catch (error) {
    return renderError(c, node, error, 'agents');
  }
  const { agent, key, credentials, delegations } = overview;
  const admin = roleAtLeast(c.get('operator').role, 'admin');
  const csrf = c.get('csrfToken');
  const actions = (view: CredentialView) => (admin ? credentialActions(csrf, view) : html``);
  return render(c, node, {
    title: `Agent ${agent.name}`,
    active: 'agents',
    body: html`<div class="card"><dl class="facts">
<dt>DID</dt><dd>${mono(agent.did)}</dd>
<dt>Owner</dt><dd>${agent.owner}</dd>
<dt>Method</dt><dd>did:${agent.method}</dd>
<dt>Status</dt><dd>${badge(agent.status)}</dd>
<dt>Key</dt><dd>${key.kid === undefined ? html`<span class="muted">no active key</span>` : html`${mono(key.kid)} · ${key.ageDays} days old${key.rotationDue === undefined ? html` · <span class="muted">no scheduled rotation</span>` : html` · rotation due ${key.rotationDue}${key.overdue ? html` <span class="error">(overdue)</span>` : ''}`}`}</dd>
<dt>Registered</dt><dd>${agent.createdAt}</dd>
</dl>
${admin && agent.status === 'active' ? changeForm(csrf, 'retire', agent.name, 'Retire this agent', true) : ''}</div>
<h2>Credentials</h2>
<table><thead><tr><th>Credential</th><th>Capabilities and limits</th><th>Valid</th><th>Status</th><th></th></tr></thead>
<tbody>${credentials.length === 0 ? html`<tr><td colspan="5" class="muted">No credentials.</td></tr>` : credentials.map((v) => credentialRow(v, actions(v)))}</tbody></table>
${overview.moreCredentials ? html`<p class="muted">More credentials than shown: <code>legate cap list --agent ${agent.name}</code> lists them all.</p>` : ''}
<h2>Delegation tree</h2>
${delegations.children.length === 0
  ? html`<p class="muted">${agent.name} has delegated nothing.</p>`
  : html`<ul class="tree"><li>${agent.name}<ul>${treeItems(delegations.children)}</ul></li></ul>`}
${delegations.truncated ? html`<p class="muted">The tree is longer than shown.</p>` : ''}`,
  });
}
