// The Legate console's one script, served by the node (no inline scripts: see the Content-Security-Policy).
// It only enhances server-rendered pages: confirmation of destructive forms, and a live decision feed.
'use strict';

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question !== undefined && !window.confirm(question)) event.preventDefault();
});

// The live decision feed: polls the JSON endpoint every few seconds and puts new rows at the top.
// Rows are built with textContent only: nothing from the server is ever parsed as markup.
const FEED_POLL_MS = 4000;
const FEED_MAX_ROWS = 500;

function cell(row, ...parts) {
  const td = document.createElement('td');
  for (const part of parts) td.append(part);
  row.append(td);
  return td;
}

function element(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className !== undefined) el.className = className;
  return el;
}

function decisionRow(d) {
  const tr = document.createElement('tr');
  tr.dataset.decision = d.decision;
  tr.className = 'fresh';
  const link = element('a', d.at.replace('T', ' ').slice(0, 19));
  link.href = d.href;
  cell(tr, link);
  cell(tr, element('span', d.decision.replace('_', ' '), `badge ${d.decision}`), document.createElement('br'), element('small', d.type, 'muted'));
  cell(tr, `${d.action ?? ''} `, element('code', d.resource ?? ''));
  const agent = d.agentName !== undefined ? element('a', d.agentName) : element('code', d.agent ?? '—');
  if (d.agentName !== undefined) agent.href = `/console/agents/${encodeURIComponent(d.agentName)}`;
  cell(tr, agent);
  const chain = cell(tr);
  chain.className = 'chain';
  d.attribution.forEach((who, i) => {
    if (i > 0) chain.append(' ', element('span', '→', 'muted'), ' ');
    chain.append(element('span', who));
  });
  const reasons = cell(tr);
  for (const r of d.reasons) reasons.append(element('code', r), ' ');
  if (d.approver !== undefined) reasons.append(document.createElement('br'), element('small', `approved by ${d.approver}`));
  return tr;
}

function startFeed(table) {
  const body = table.tBodies[0];
  const poll = async () => {
    try {
      const url = `${table.dataset.feed}${table.dataset.feed.includes('?') ? '&' : '?'}after=${encodeURIComponent(table.dataset.cursor)}`;
      const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) return;
      const page = await response.json();
      for (const d of page.decisions) body.insertBefore(decisionRow(d), body.firstChild);
      while (body.rows.length > FEED_MAX_ROWS) body.deleteRow(-1);
      if (typeof page.cursor === 'string') table.dataset.cursor = page.cursor;
      if (page.decisions.length > 0) document.querySelector('p.empty')?.remove();
    } catch {
      // The next poll tries again.
    }
  };
  setInterval(poll, FEED_POLL_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  const table = document.querySelector('table[data-feed][data-cursor]');
  if (table instanceof HTMLTableElement) startFeed(table);
});
