/**
 * @module lib/canonical-json
 *
 * Canonical JSON after RFC 8785 (JSON Canonicalization Scheme): object
 * members sorted by the UTF-16 code units of their names (§3.2.3), no
 * whitespace, numbers in ECMAScript `Number.prototype.toString` form and
 * strings escaped as ECMAScript `JSON.stringify` does (§3.2.2), which is
 * exactly what RFC 8785 prescribes. Input is restricted to the I-JSON data
 * model (RFC 7493): plain objects, arrays, strings without lone surrogates,
 * finite numbers, booleans and null; anything else is refused rather than
 * silently coerced, so two parties never hash different texts for one value.
 * Used for action hashes and the audit log. Internal.
 */

/** Deepest nesting {@link canonicalJson} accepts; deeper values (or cycles) throw. */
export const MAX_CANONICAL_DEPTH = 64;

// In `u` mode a well-formed surrogate pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * A string JSON.stringify writes as it is between quotes: nothing it escapes
 * (`"`, `\`, U+0000–U+001F) and no surrogate at all (those take the full
 * path, which refuses a lone one). Most of an audit entry's strings (DIDs,
 * ids, codes, hex hashes) are such, and quoting them is half the cost of
 * calling JSON.stringify on each.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what the class excludes
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function canonicalString(value: string): string {
  if (PLAIN.test(value)) return `"${value}"`;
  if (LONE_SURROGATE.test(value)) throw new TypeError('canonical JSON strings must be well-formed Unicode (no lone surrogates)');
  return JSON.stringify(value);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function serialize(value: unknown, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON numbers must be finite');
      // RFC 8785 §3.2.2.3: the ECMAScript serialization; JSON.stringify(-0) is "0" as required.
      return JSON.stringify(value);
    case 'string':
      return canonicalString(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonical JSON cannot represent a ${typeof value}`);
  }
  if (depth >= MAX_CANONICAL_DEPTH) throw new RangeError(`canonical JSON nests deeper than ${MAX_CANONICAL_DEPTH} levels (or is cyclic)`);
  // Plain loops building one string: the audit log canonicalizes every entry (and again when checkpointing).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw new TypeError('canonical JSON arrays cannot hold undefined');
      if (i > 0) out += ',';
      out += serialize(item, depth + 1);
    }
    return `${out}]`;
  }
  if (!isPlainObject(value)) throw new TypeError('canonical JSON objects must be plain objects');
  // RFC 8785 §3.2.3: sort by UTF-16 code units, which is what the default sort compares.
  const keys = Object.keys(value).sort();
  let out = '{';
  for (const key of keys) {
    const member = value[key];
    if (member === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${canonicalString(key)}:${serialize(member, depth + 1)}`;
  }
  return `${out}}`;
}

/**
 * The RFC 8785 canonical form of a JSON value. Members whose value is
 * `undefined` are left out, as `JSON.stringify` does; every other value
 * outside the I-JSON model throws.
 *
 * @throws TypeError for non-finite numbers, lone surrogates, `undefined` in
 * arrays or at the top, functions, bigints, symbols and non-plain objects;
 * RangeError beyond {@link MAX_CANONICAL_DEPTH} levels.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [1, 'x'], a: 1.5e-7 }); // '{"a":1.5e-7,"b":[1,"x"]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, 0);
}

/**
 * The RFC 8785 text of each member of a plain object (`"name":value`), in
 * canonical order, members whose value is `undefined` left out. Joined with
 * commas inside braces they are {@link canonicalJson} of the object; any of
 * them left out, what remains is the canonical text of the object without
 * those members. So one pass gives both (the audit log hashes an entry, and
 * a digest of it without its `seq` and `prevHash`).
 *
 * @throws as {@link canonicalJson}; TypeError when `value` is not a plain object.
 *
 * @example
 * ```ts
 * canonicalMembers({ b: 1, a: 'x' }); // [{ name: 'a', text: '"a":"x"' }, { name: 'b', text: '"b":1' }]
 * ```
 */
export function canonicalMembers(value: Record<string, unknown>): { name: string; text: string }[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlainObject(value)) {
    throw new TypeError('canonical members are those of a plain object');
  }
  const members: { name: string; text: string }[] = [];
  for (const name of Object.keys(value).sort()) {
    const member = value[name];
    if (member !== undefined) members.push({ name, text: `${canonicalString(name)}:${serialize(member, 1)}` });
  }
  return members;
}
