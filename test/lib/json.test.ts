// Bounded JSON: the depth limit holds whether or not the cheap bracket count
// settles it, and brackets inside strings never count as nesting.
import { describe, expect, it } from 'vitest';
import { jsonDepth, parseJson } from '../../src/lib/json.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('parseJson', () => {
  it('refuses nesting deeper than maxDepth, and accepts it at maxDepth', () => {
    expect(() => parseJson(nested(33), 'x')).toThrow(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE', reason: 'depth' }));
    expect(parseJson(nested(32), 'x')).toBeInstanceOf(Array);
    expect(() => parseJson(nested(5), 'x', { maxDepth: 4 })).toThrow(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE' }));
  });

  it('counts only structural brackets, however many sit inside strings', () => {
    const text = JSON.stringify({ a: '{['.repeat(100), b: [{ c: '\\"[[[' }] });
    expect(jsonDepth(text)).toBe(3);
    expect(parseJson(text, 'x')).toEqual(JSON.parse(text));
  });

  it('refuses deep nesting spread among many shallow brackets', () => {
    const shallow = Array.from({ length: 40 }, () => '[]').join(',');
    expect(parseJson(`[${shallow}]`, 'x')).toHaveLength(40);
    expect(() => parseJson(`[${shallow},${nested(33)}]`, 'x')).toThrow(expect.objectContaining({ reason: 'depth' }));
  });
});
