// The README's settings table is the settings table (src/config/settings), row for row.
// When a setting changes, paste the table this test prints into the README's Configuration section.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type SettingSpec } from '../../src/config/settings.js';

const code = (text: string) => `\`${text}\``;

function row(spec: SettingSpec): string {
  const type = spec.type === 'duration' ? `duration (${spec.unit})` : spec.unit === undefined ? spec.type : `${spec.type} (${spec.unit})`;
  const fallback = spec.default === undefined ? (spec.defaultNote ?? '') : code(JSON.stringify(spec.default));
  const cells = [code(spec.name), spec.scope, type, fallback, spec.env === undefined ? '' : code(spec.env), spec.flag === undefined ? '' : code(spec.flag.split(' ')[0]!), spec.doc.replace(/\|/g, '\\|')];
  return `| ${cells.join(' | ')} |`;
}

/** The Markdown table the README carries. */
function settingsTable(): string {
  return ['| setting | scope | type | default | environment | flag | what it sets |', '|---|---|---|---|---|---|---|', ...SETTINGS.map(row)].join('\n');
}

describe('README', () => {
  it('lists every setting as the table defines it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = settingsTable();
    expect(readme.includes(table), `the README's Configuration section should hold:\n${table}`).toBe(true);
  });
});
