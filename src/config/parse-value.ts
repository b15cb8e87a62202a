/**
 * @module config/parse-value
 *
 * Checks one setting's value against its row of the table: the type, the
 * range, the unit. Values arrive as text (an environment variable, a flag,
 * `legate config set`) or as JSON (the file, the store). Every refusal is
 * `ERR_INVALID_ARGUMENT` with `claim` = the setting's name, and never quotes
 * a secret's value.
 */

import { isIP } from 'node:net';
import { legateError, type InputError } from '../errors/index.js';
import { MAX_RENEWAL_RULES, renewalRuleError } from '../lib/renewal.js';
import { longestMs, parseDuration } from '../lib/duration.js';
import type { SettingSpec, SettingValue } from './settings.js';

/** Longest text a string setting may hold. */
const MAX_TEXT = 4096;
/** Most rules a status-age policy may hold: each is checked against every capability verified. */
const MAX_RULES = 256;

function invalid(spec: SettingSpec, why: string): InputError {
  return legateError('ERR_INVALID_ARGUMENT', `setting ${spec.name} ${why}`, { claim: spec.name });
}

/** `min`..`max` in the setting's unit, as a phrase. */
function range(spec: SettingSpec): string {
  return `from ${spec.min ?? 0} to ${spec.max ?? Number.MAX_SAFE_INTEGER}${spec.unit === undefined ? '' : ` ${spec.unit}`}`;
}

function inRange(spec: SettingSpec, n: number): number {
  if (!Number.isSafeInteger(n) || n < (spec.min ?? 0) || n > (spec.max ?? Number.MAX_SAFE_INTEGER)) throw invalid(spec, `must be a whole number ${range(spec)}`);
  return n;
}

/** A duration in the setting's unit: a whole number, or `5m`/`PT30S` (fixed units only). */
function duration(spec: SettingSpec, raw: unknown): number {
  if (typeof raw === 'number') return inRange(spec, raw);
  if (typeof raw !== 'string') throw invalid(spec, `must be a number of ${spec.unit} or a duration such as 5m`);
  if (/^\d{1,16}$/.test(raw)) return inRange(spec, Number(raw));
  let ms: number;
  try {
    const parsed = parseDuration(raw);
    // Months and years have no fixed length: a timer or a bound must mean one number.
    if (parsed.years !== 0 || parsed.months !== 0) throw new RangeError('calendar unit');
    ms = longestMs(parsed);
  } catch {
    throw invalid(spec, `must be a number of ${spec.unit} or a duration such as 5m or PT30S (no months or years)`);
  }
  const value = spec.unit === 's' ? ms / 1000 : ms;
  return inRange(spec, value);
}

function integer(spec: SettingSpec, raw: unknown): number {
  if (typeof raw === 'number') return inRange(spec, raw);
  if (typeof raw === 'string' && /^\d{1,16}$/.test(raw)) return inRange(spec, Number(raw));
  throw invalid(spec, `must be a whole number ${range(spec)}`);
}

function boolean(spec: SettingSpec, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw invalid(spec, 'must be true or false (1 or 0)');
}

function text(spec: SettingSpec, raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_TEXT) throw invalid(spec, `must be text of 1 to ${MAX_TEXT} characters`);
  if (spec.origin === true) origin(spec, raw);
  if (spec.url === true) httpUrl(spec, raw);
  if (spec.choices !== undefined && !spec.choices.includes(raw)) throw invalid(spec, `must be one of ${spec.choices.join(', ')}`);
  return raw;
}

/** An http(s) origin: the node serves its endpoints at the root, so a path would advertise URLs it does not serve. */
function origin(spec: SettingSpec, raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(spec, 'must be an absolute http(s) URL such as https://bank.example');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(spec, 'must be an http(s) URL such as https://bank.example');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
    throw invalid(spec, `must be an origin without a path, query or fragment (such as ${url.origin}): the node serves its OAuth endpoints at the root, not under ${url.pathname}`);
  }
}

/** An absolute http(s) URL with no user info (a password would travel in logs and errors) and no fragment. Never quotes the value: it may carry a token. */
function httpUrl(spec: SettingSpec, raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(spec, 'must be an absolute https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(spec, 'must be an https URL (http only to a loopback host)');
  if (url.username !== '' || url.password !== '' || url.hash !== '' || raw.includes('#')) throw invalid(spec, 'must have no user info and no fragment');
}

/** A status-age rule list: exactly `{ action, resource, maxStatusAge }` each, ages as seconds or durations. */
function rules(spec: SettingSpec, raw: unknown): readonly unknown[] {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw invalid(spec, 'must be a JSON array of {"action","resource","maxStatusAge"}');
    }
  }
  if (!Array.isArray(value) || value.length > MAX_RULES) throw invalid(spec, `must be an array of at most ${MAX_RULES} rules`);
  return value.map((rule: unknown, i) => {
    const fields = typeof rule === 'object' && rule !== null && !Array.isArray(rule) ? (rule as Record<string, unknown>) : undefined;
    const keys = fields === undefined ? [] : Object.keys(fields).sort();
    if (fields === undefined || keys.join() !== 'action,maxStatusAge,resource') throw invalid(spec, `rule ${i} must have exactly action, resource and maxStatusAge`);
    const { action, resource, maxStatusAge } = fields;
    if (typeof action !== 'string' || action === '' || typeof resource !== 'string' || resource === '') throw invalid(spec, `rule ${i}: action and resource must be non-empty text`);
    const age = typeof maxStatusAge === 'number' ? maxStatusAge : undefined;
    const ageOk = age !== undefined ? Number.isFinite(age) && age >= 0 : typeof maxStatusAge === 'string' && isDuration(maxStatusAge);
    if (!ageOk) throw invalid(spec, `rule ${i}: maxStatusAge must be seconds or a duration such as PT30S`);
    return { action, resource, maxStatusAge };
  });
}

/** A renewal policy: exactly `{ agent, lifetime, renewBefore }` each (`lib/renewal`). */
function renewalRules(spec: SettingSpec, raw: unknown): readonly unknown[] {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw invalid(spec, 'must be a JSON array of {"agent","lifetime","renewBefore"}');
    }
  }
  if (!Array.isArray(value) || value.length > MAX_RENEWAL_RULES) throw invalid(spec, `must be an array of at most ${MAX_RENEWAL_RULES} rules`);
  return value.map((rule: unknown, i) => {
    const why = renewalRuleError(rule);
    if (why !== undefined) throw invalid(spec, `rule ${i} ${why}`);
    return rule;
  });
}

/** Most entries a list setting may hold. */
const MAX_LIST = 256;

/** One entry of a list: an absolute http(s) URL without a fragment, or a DID. */
/** An IP address or CIDR range (`10.0.0.0/8`, `2001:db8::/32`). */
function addressOf(spec: SettingSpec, entry: string, i: number): string {
  const [address = '', bits, more] = entry.split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const prefixOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || more !== undefined || !prefixOk) throw invalid(spec, `entry ${i} must be an IP address or a CIDR range`);
  return entry;
}

function entryOf(spec: SettingSpec, entry: string, i: number): string {
  if (entry.startsWith('did:')) return entry;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw invalid(spec, `entry ${i} must be an absolute URL or a DID`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '') throw invalid(spec, `entry ${i} must be an http(s) URL without a fragment, or a DID`);
  return entry;
}

/**
 * A list of absolute URLs or DIDs: JSON array, or text with the entries
 * separated by whitespace. With `spec.audiences`, a DID entry may name one
 * audience after `=` (`did:web:rs.example=https://rs.example/api`); `=` is
 * not a DID character, so the first one ends the DID.
 */
function list(spec: SettingSpec, raw: unknown): readonly string[] {
  let value = raw;
  if (typeof raw === 'string') {
    const trimmed = raw.trim();
    if (trimmed.startsWith('[')) {
      try {
        value = JSON.parse(trimmed) as unknown;
      } catch {
        throw invalid(spec, 'must be a JSON array of strings, or entries separated by spaces');
      }
    } else value = trimmed === '' ? [] : trimmed.split(/\s+/);
  }
  if (!Array.isArray(value) || value.length > MAX_LIST) throw invalid(spec, `must be a list of at most ${MAX_LIST} entries`);
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > 2048 || /\s/.test(entry)) throw invalid(spec, `entry ${i} must be text of 1 to 2048 characters without spaces`);
    if (spec.choices !== undefined) {
      if (!spec.choices.includes(entry)) throw invalid(spec, `entry ${i} must be one of ${spec.choices.join(', ')}`);
      return entry;
    }
    if (spec.addresses === true) return addressOf(spec, entry, i);
    if (spec.audiences !== true || !entry.startsWith('did:') || !entry.includes('=')) return entryOf(spec, entry, i);
    const at = entry.indexOf('=');
    if (at === 'did:'.length || at === entry.length - 1) throw invalid(spec, `entry ${i} must be a DID, or <DID>=<audience> (a URL or a DID)`);
    entryOf(spec, entry.slice(at + 1), i);
    return entry;
  });
}

function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * `raw` checked and converted for `spec`: text from the environment, a flag
 * or `legate config set`; JSON values from the file or the store.
 * @throws InputError `ERR_INVALID_ARGUMENT` with `claim` = the setting's name.
 *
 * @example
 * ```ts
 * parseSetting(settingSpec('sessionLifetime')!, '5m') // 300
 * ```
 */
export function parseSetting(spec: SettingSpec, raw: unknown): SettingValue {
  switch (spec.type) {
    case 'boolean':
      return boolean(spec, raw);
    case 'integer':
      return integer(spec, raw);
    case 'duration':
      return duration(spec, raw);
    case 'string':
      return text(spec, raw);
    case 'status-age-rules':
      return rules(spec, raw);
    case 'renewal-rules':
      return renewalRules(spec, raw);
    case 'list':
      return list(spec, raw);
  }
}
