/**
 * @module console/layout
 *
 * The page around every console view: the navigation, who is signed in, and
 * a sign-out form carrying the CSRF token. Styles and behaviour come only
 * from `/console/assets/` (see console/security for the policy).
 */

import { html, type SafeHtml } from './html.js';
import type { ConsoleOperator } from './types.js';

/** The console's sections, in navigation order: path under /console and label. */
export const SECTIONS = [
  ['agents', 'Agents'],
  ['federation', 'Federation'],
  ['decisions', 'Decisions'],
  ['charts', 'Charts'],
  ['approvals', 'Approvals'],
  ['alerts', 'Alerts'],
  ['changes', 'Changes'],
  ['operators', 'Operators'],
] as const;

export type Section = (typeof SECTIONS)[number][0];

export interface PageOptions {
  title: string;
  /** The organization this node speaks for, shown in the header. */
  organization: string;
  /** The section highlighted; none on the sign-in page. */
  active?: Section | undefined;
  /** Absent on the sign-in page. */
  operator?: ConsoleOperator | undefined;
  csrfToken?: string | undefined;
  body: SafeHtml;
}

/** A whole console page. */
export function page(options: PageOptions): SafeHtml {
  const { operator, csrfToken } = options;
  const nav =
    operator === undefined
      ? html``
      : html`<nav aria-label="Console">${SECTIONS.map(
          ([path, label]) => html`<a href="/console/${path}"${path === options.active ? html` aria-current="page"` : html``}>${label}</a>`,
        )}</nav>
        <form class="signout" method="post" action="/console/logout">
          <input type="hidden" name="csrf" value="${csrfToken ?? ''}">
          <span class="who">${operator.name} <small>(${operator.role})</small></span>
          <button type="submit">Sign out</button>
        </form>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Legate console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<header><span class="brand">Legate</span> <span class="org">${options.organization}</span>${nav}</header>
<main id="main"${csrfToken === undefined ? html`` : html` data-csrf="${csrfToken}"`}>
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>
`;
}
