/**
 * @module console/pages/actions
 *
 * `POST /console/actions` (admin only): revoke, suspend or reinstate a
 * credential, or retire an agent, in two steps. Without `confirm=yes` the
 * answer is a confirmation page saying what will happen, to what, and who
 * is asking, and nothing changes; its Confirm button posts the same request
 * again with `confirm=yes`, and only then is the change handed to the
 * `changes` port (node/console-changes), which makes it (audited with the
 * operator's name) or answers that a second operator must approve it.
 */

import type { ChangeHandler, ChangeKind } from '../../node/console-changes.js';
import type { NodeContext } from '../../node/context.js';
import { changePreview, type ChangePreview } from '../../node/overview/change-preview.js';
import { html, type SafeHtml } from '../html.js';
import { agentRef, badge, capabilityItem, field, mono, render, renderError, type ConsoleContext } from './common.js';

const VERBS: Record<ChangeKind, { title: string; done: string; effect: string }> = {
  revoke: { title: 'Revoke credential', done: 'revoked', effect: 'Revocation is permanent: every verifier refuses the credential, and every credential delegated from it, once it reads the status list again.' },
  suspend: { title: 'Suspend credential', done: 'suspended', effect: 'Verifiers refuse the credential, and every credential delegated from it, until it is reinstated.' },
  reinstate: { title: 'Reinstate credential', done: 'reinstated', effect: 'The suspension is lifted: verifiers accept the credential again once they read the status list.' },
  retire: { title: 'Retire agent', done: 'retired', effect: 'The agent is retired for good: its keys sign nothing more, and its credentials and every credential delegated below them are revoked.' },
};

function subjectOf(preview: ChangePreview): SafeHtml {
  if (preview.kind === 'retire') {
    const { agent } = preview;
    return html`<dl class="facts"><dt>Agent</dt><dd>${agent.name} ${badge(agent.status)}</dd><dt>DID</dt><dd>${mono(agent.did)}</dd><dt>Owner</dt><dd>${agent.owner}</dd>
<dt>Credentials held</dt><dd>${preview.credentials}${preview.more ? '+' : ''}</dd></dl>`;
  }
  const { credential } = preview;
  return html`<dl class="facts"><dt>Credential</dt><dd>${mono(credential.id)} ${badge(credential.state)}</dd>
<dt>Held by</dt><dd>${agentRef(credential.subject, credential.agent)}</dd><dt>Owner</dt><dd>${credential.owner ?? '—'}</dd>
<dt>Allows</dt><dd><ul class="caps">${credential.capabilities.map(capabilityItem)}</ul></dd></dl>`;
}

const backTo = (preview: ChangePreview): string =>
  preview.kind === 'retire' ? `/console/agents/${encodeURIComponent(preview.agent.name)}` : preview.credential.agent === undefined ? '/console/agents' : `/console/agents/${encodeURIComponent(preview.credential.agent)}`;

export async function actionPost(c: ConsoleContext, node: NodeContext, changes: ChangeHandler) {
  const form = await c.req.parseBody();
  const kind = field(form.kind) ?? '';
  const target = field(form.target) ?? '';
  const reason = field(form.reason)?.trim() ?? '';
  const emergency = field(form.emergency) === 'yes';
  const operator = c.get('operator');
  let preview: ChangePreview;
  try {
    preview = await changePreview(node, kind, target);
  } catch (error) {
    return renderError(c, node, error, 'agents');
  }
  const verb = VERBS[preview.kind];
  if (field(form.confirm) !== 'yes') {
    return render(c, node, {
      title: `${verb.title}?`,
      active: 'agents',
      body: html`<div class="card confirm" data-confirm-kind="${preview.kind}">
<p>${verb.effect}</p>
${subjectOf(preview)}
<p>Asked by <strong>${operator.name}</strong> (${operator.role}). The change is recorded in the audit log under this name.</p>
<form method="post" action="/console/actions" class="stack">
<input type="hidden" name="csrf" value="${c.get('csrfToken')}"><input type="hidden" name="kind" value="${preview.kind}"><input type="hidden" name="target" value="${target}"><input type="hidden" name="confirm" value="yes">
<label>Reason (recorded in the audit log)<input type="text" name="reason" maxlength="500" value="${reason}"></label>
${preview.kind === 'revoke' || preview.kind === 'retire' ? html`<label class="check"><input type="checkbox" name="emergency" value="yes"> Emergency (a compromise): skip any second approval; the audit log says so</label>` : ''}
<div><button type="submit" class="danger">Confirm: ${verb.title.toLowerCase()}</button> <a href="${backTo(preview)}">Cancel</a></div>
</form></div>`,
    });
  }
  let answer;
  try {
    answer = await changes({ kind: preview.kind, target, ...(reason === '' ? {} : { reason }), operator, ...(emergency ? { emergency: true } : {}) });
  } catch (error) {
    return renderError(c, node, error, 'agents');
  }
  const body =
    answer.status === 'done'
      ? html`<p class="notice" data-outcome="done">Done: ${preview.kind === 'retire' ? html`agent ${preview.agent.name}` : html`credential ${mono(target)}`} ${verb.done}, recorded in the audit log as ${operator.name}.</p>`
      : html`<p class="notice" data-outcome="pending">Pending second approval: another operator must approve request ${mono(answer.id)} before it takes effect.</p>`;
  return render(c, node, { title: verb.title, active: 'agents', body: html`${body}<p><a href="${backTo(preview)}">Back</a></p>` });
}
