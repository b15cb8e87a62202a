// RFC 8785 (JCS) known answers, from the RFC's own examples (§3.2.2, §3.2.3), plus the refusals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/lib/canonical-json.js';

describe('canonicalJson', () => {
  it('serializes the RFC 8785 §3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const keys = (JSON.parse(canonicalJson(input)) as Record<string, unknown>);
    expect(canonicalJson(input).startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":')).toBe(true);
    expect(Object.keys(keys)).toHaveLength(7);
    expect(canonicalJson(input).indexOf('\ud83d\ude00')).toBeLessThan(canonicalJson(input).indexOf('\ufb33'));
  });

  it('leaves out undefined members and writes -0 as 0', () => {
    expect(canonicalJson({ b: undefined, a: -0 })).toBe('{"a":0}');
  });

  it('refuses what JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson('\ud800')).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(new Date(0))).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(RangeError);
  });

  it('writes every string as JSON.stringify does (RFC 8785 §3.2.2.2), quoting plain ones without it', () => {
    // Escapes, control characters, U+2028/2029, DEL, astral characters and their surrogate pairs.
    for (const text of ['', 'did:web:bank.example', 'a"b', 'a\\b', '\u0000\u001f\u007f', '\u2028\u2029', 'é ✓ 😀', 'x\ud83d\ude00y']) {
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
      expect(canonicalJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
    }
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'binary' })), (text) => {
        expect(canonicalJson(text)).toBe(JSON.stringify(text));
      }),
    );
    // A lone surrogate is refused, whether or not the rest of the string is plain.
    for (const text of ['\ud800', 'abc\udfff', '\ude00x', '"\ud800']) expect(() => canonicalJson(text)).toThrow(TypeError);
  });

  it('is a fixed point: parsing the canonical form and canonicalizing again changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
    );
  });
});
