/**
 * @module console/html
 *
 * HTML for the console, escaped by construction. {@link html} is a tagged
 * template: every interpolated value is escaped unless it is already
 * {@link SafeHtml} (another `html` result), so an agent's name or an owner
 * URI chosen by an attacker reaches the page as text, never as markup.
 * Arrays are joined; `undefined`, `null` and `false` render as nothing.
 * There is no other way to put text into a page.
 */

/** Markup that is safe to insert as is: only {@link html} makes one. */
export class SafeHtml {
  readonly #text: string;
  constructor(text: string, token: typeof MINT) {
    if (token !== MINT) throw new TypeError('SafeHtml is made by html`…` only');
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

const MINT = Symbol('html');

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text escaped for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return (value as readonly Value[]).map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Builds markup from a template, escaping each value.
 *
 * @example
 * ```ts
 * html`<td>${agent.name}</td>` // agent.name = '<script>' renders as &lt;script&gt;
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: readonly Value[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out, MINT);
}
