/**
 * @module console/pages/svg
 *
 * Charts drawn on the server as SVG, with no library and no inline style:
 * colours come from classes in console.css, positions from presentation
 * attributes. Each chart has a `<title>` and is described by the text table
 * its page shows beside it.
 */

import { html, type SafeHtml } from '../html.js';

const W = 720;
const H = 220;
const PAD = { left: 40, right: 10, top: 12, bottom: 28 };

export interface Series {
  /** The class that colours it (`allow`, `deny`, `approval_required`, …). */
  name: string;
  values: readonly number[];
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

/** Stacked columns, one per label, a series per colour. */
export function stackedColumns(title: string, labels: readonly string[], series: readonly Series[]): SafeHtml {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, labels.length);
  const bars: SafeHtml[] = [];
  labels.forEach((label, i) => {
    let y = PAD.top + plotH;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v === 0) continue;
      const h = (v / max) * plotH;
      y -= h;
      bars.push(html`<rect class="bar ${s.name}" x="${fmt(PAD.left + i * step + 1)}" y="${fmt(y)}" width="${fmt(Math.max(1, step - 2))}" height="${fmt(h)}"><title>${label}: ${v} ${s.name.replace('_', ' ')}</title></rect>`);
    }
  });
  const ticks = labels.map((label, i) => (i % 10 === 0 ? html`<text x="${fmt(PAD.left + i * step)}" y="${H - 10}">${label}</text>` : ''));
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}"><title>${title}</title>
<line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}"/>
<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}"/>
<text x="4" y="${PAD.top + 8}">${max}</text><text x="4" y="${PAD.top + plotH}">0</text>
${bars}${ticks}</svg>`;
}

export interface Bar {
  label: string;
  value: number;
  /** A full-length mark behind the bar (a budget); the scale then runs to the larger. */
  limit?: number;
}

/** Horizontal bars, one row each, with their value written beside them. */
export function horizontalBars(title: string, bars: readonly Bar[], unit = ''): SafeHtml {
  const rowH = 26;
  const labelW = 260;
  const height = Math.max(1, bars.length) * rowH + 10;
  const max = Math.max(1, ...bars.map((b) => Math.max(b.value, b.limit ?? 0)));
  const plotW = W - labelW - 90;
  const rows = bars.map((b, i) => {
    const y = 6 + i * rowH;
    const over = b.limit !== undefined && b.value > b.limit;
    return html`<text x="4" y="${y + 15}">${b.label.length > 40 ? `${b.label.slice(0, 39)}…` : b.label}<title>${b.label}</title></text>
${b.limit === undefined ? '' : html`<rect class="limit" x="${labelW}" y="${y + 2}" width="${fmt((b.limit / max) * plotW)}" height="${rowH - 8}"/>`}
<rect class="bar${over ? ' deny' : ' value'}" x="${labelW}" y="${y + 5}" width="${fmt(Math.max(1, (b.value / max) * plotW))}" height="${rowH - 14}"/>
<text x="${fmt(labelW + plotW + 6)}" y="${y + 15}">${fmt(b.value)}${b.limit === undefined ? '' : ` / ${fmt(b.limit)}`}${unit === '' ? '' : ` ${unit}`}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="${title}"><title>${title}</title>${rows}</svg>`;
}
