/**
 * @module console/pages/common
 *
 * What the console's pages share: rendering a whole page for the signed-in
 * operator, an error as a page (its code, never a stack or a secret), state
 * badges, and capabilities with their constraints in words.
 */

import type { Context } from 'hono';
import type { Capability, Constraints } from '../../credential/types.js';
import { ERROR_TABLE, LegateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import { html, type SafeHtml } from '../html.js';
import { page, type Section } from '../layout.js';
import type { ConsoleEnv } from '../types.js';

export type ConsoleContext = Context<ConsoleEnv>;

/** A whole page for the operator signed in. */
export function render(c: ConsoleContext, node: NodeContext, options: { title: string; active?: Section; body: SafeHtml; status?: number }) {
  const markup = page({
    title: options.title,
    organization: node.organization.did,
    active: options.active,
    operator: c.get('operator'),
    csrfToken: c.get('csrfToken'),
    body: options.body,
  });
  return c.html(markup.toString(), (options.status ?? 200) as 200);
}

/** The status and code of an error a page shows; anything not a LegateError is rethrown (the app answers 500 and logs it). */
export function problemOf(error: unknown): { status: number; code: string; message: string } {
  if (!(error instanceof LegateError)) throw error;
  return { status: ERROR_TABLE[error.code].status, code: error.code, message: error.message };
}

/** An error as a page: its code and message, nothing else. */
export function renderError(c: ConsoleContext, node: NodeContext, error: unknown, active?: Section) {
  const { status, code, message } = problemOf(error);
  return render(c, node, {
    title: 'Something is not right',
    ...(active === undefined ? {} : { active }),
    status,
    body: html`<p class="error" data-error="${code}"><code>${code}</code> ${message}</p><p><a href="/console/${active ?? 'agents'}">Back</a></p>`,
  });
}

export const badge = (state: string): SafeHtml => html`<span class="badge ${state}">${state.replace('_', ' ')}</span>`;

export const mono = (text: string): SafeHtml => html`<code>${text}</code>`;

/** A link to an agent's page when `name` is one of this node's agents, else its DID. */
export const agentRef = (did: string | undefined, name: string | undefined): SafeHtml =>
  name !== undefined ? html`<a href="/console/agents/${encodeURIComponent(name)}">${name}</a>` : did === undefined ? html`<span class="muted">—</span>` : mono(did);

/** Constraints in words, one item each. */
export function constraintItems(constraints: Constraints | undefined): SafeHtml[] {
  if (constraints === undefined) return [];
  const items: SafeHtml[] = [];
  const { maxAmount, budget, timeWindow, rateLimit, requireApproval, audience, maxStatusAge } = constraints;
  if (maxAmount !== undefined) items.push(html`<li>amount ≤ ${String(maxAmount.value)} ${maxAmount.currency}</li>`);
  if (budget !== undefined) items.push(html`<li>budget ${String(budget.value)} ${budget.currency} per ${budget.period}</li>`);
  if (timeWindow !== undefined) items.push(html`<li>hours ${timeWindow.start}–${timeWindow.end} ${(timeWindow.days ?? []).join(', ')} (${timeWindow.timeZone})</li>`);
  if (rateLimit !== undefined) items.push(html`<li>rate ≤ ${String(rateLimit.count)} per ${rateLimit.period}</li>`);
  if (requireApproval === true) items.push(html`<li>human approval required</li>`);
  if (audience !== undefined) items.push(html`<li>audience ${audience.map((a) => html`<code>${a}</code> `)}</li>`);
  if (maxStatusAge !== undefined) items.push(html`<li>status no older than ${maxStatusAge}</li>`);
  return items;
}

/** One capability: action, resource, scope and its own constraints. */
export function capabilityItem(capability: Capability): SafeHtml {
  const limits = constraintItems(capability.constraints);
  return html`<li><strong>${capability.action}</strong> <code>${capability.resource}</code>${capability.scope === undefined ? '' : html` <span class="badge">scope ${capability.scope}</span>`}${
    limits.length === 0 ? '' : html`<ul class="limits">${limits}</ul>`
  }</li>`;
}

/** The first value of a query or form field, when it is a string. */
export function field(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
