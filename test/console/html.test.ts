import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../src/console/html.js';

describe('console html', () => {
  it('escapes every interpolated string, so markup in data stays text', () => {
    const name = `<script>alert("x")</script>' onload='x' \``;
    const out = html`<td title="${name}">${name}</td>`.toString();
    expect(out).not.toContain('<script>');
    expect(out).toBe(`<td title="${escapeHtml(name)}">${escapeHtml(name)}</td>`);
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x&#39; &#96;');
  });

  it('inserts nested html as is, joins arrays and drops undefined, null and false', () => {
    const rows = ['a<b', 'c'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${rows}${undefined}${null}${false}${0}</ul>`.toString()).toBe('<ul><li>a&lt;b</li><li>c</li>0</ul>');
  });

  it('cannot be forged: SafeHtml is only made by html`…`', () => {
    expect(() => new (SafeHtml as unknown as new (t: string, k: symbol) => SafeHtml)('<b>', Symbol('html'))).toThrow(TypeError);
  });
});
