/**
 * @module veramo/derive
 *
 * The plugin's argument schemas in Veramo's format, derived from their one
 * source, `schemas/plugin-arguments.json`, and the capability credential
 * schema it refers to — never restated. Veramo validates with z-schema
 * (JSON Schema draft-04) against `#/components/schemas/<Name>`, so each
 * `$defs` entry and each schema referred to becomes a component named
 * `Legate…` (Veramo merges every plugin's schemas into one namespace), and
 * every `$ref` is rewritten to it. Value rules (`pattern`, `format`) are
 * left out: Legate checks them itself and reports `ERR_SCHEMA`, so a
 * Veramo agent with schema validation on sees the same Legate codes as one
 * without. A keyword draft-04 does not read the same way fails the
 * derivation, rather than being dropped and silently widening what Veramo
 * admits. Internal to the plugin.
 */

import { readSchemaFile } from '../credential/schema.js';

/** The file holding every argument shape of the plugin's methods. */
export const ARGUMENTS_FILE = 'plugin-arguments.json';

/** Where Veramo's components live; `$ref`s point here. */
const COMPONENTS = '#/components/schemas/';

/** `$id`s are `https://legate.dev/schemas/<name>/<version>.json`, kept in `schemas/<name>.json`. */
const SCHEMA_ID = /^https:\/\/legate\.dev\/schemas\/([a-z0-9-]+)\/[^/#]+\.json$/;

/** Component names clearer than the last pointer segment (`credentialSubject` is an agent's capabilities). */
const RENAMED: Readonly<Record<string, string>> = { credentialSubject: 'CapabilitySubject', agent: 'AgentInfo', status: 'StatusEntry' };

/** Keywords that mean the same in draft-04 and 2020-12, copied as they are. */
const KEPT = new Set(['type', 'required', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'description']);
/** Keywords left out: identity and grouping, and the value rules Legate reports itself. */
const DROPPED = new Set(['$schema', '$id', 'title', '$defs', 'pattern', 'format']);

type Json = Record<string, unknown>;

const pascal = (name: string) => `Legate${(RENAMED[name] ?? name).replace(/^./, (c) => c.toUpperCase())}`;

/** The value at a JSON pointer (`/a/b`) of a document. */
function at(document: unknown, pointer: string, where: string): Json {
  let value = document;
  for (const segment of pointer.split('/').slice(1)) {
    value = (value as Json | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: no schema at ${pointer}`);
  return value as Json;
}

/**
 * Veramo components for every `$defs` entry of `file` and every schema they
 * refer to, by name. `read` gives a file of `schemas/` as parsed JSON.
 *
 * @throws Error when a schema uses a keyword that does not translate, or two schemas would share a name.
 */
export function deriveComponents(file = ARGUMENTS_FILE, read: (file: string) => unknown = readSchemaFile): Record<string, Json> {
  const components: Record<string, Json> = {};
  const origin = new Map<string, string>();

  const component = (source: string, pointer: string): string => {
    const name = pascal(pointer.slice(pointer.lastIndexOf('/') + 1));
    const key = `${source}#${pointer}`;
    const known = origin.get(name);
    if (known === undefined) {
      origin.set(name, key);
      components[name] = {}; // reserved first, so a schema that refers to itself ends
      components[name] = convert(at(read(source), pointer, source), source);
    } else if (known !== key) {
      throw new Error(`${key} and ${known} would both be ${name}`);
    }
    return name;
  };

  const reference = (ref: string, source: string): string => {
    const [base = '', pointer = ''] = ref.split('#');
    const match = base === '' ? null : SCHEMA_ID.exec(base);
    if (base !== '' && match === null) throw new Error(`${source}: cannot follow $ref ${ref}`);
    return COMPONENTS + component(match === null ? source : `${match[1]}.json`, pointer);
  };

  const convert = (schema: unknown, source: string): Json => {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new Error(`${source}: draft-04 has no boolean schemas`);
    }
    const out: Json = {};
    for (const [keyword, value] of Object.entries(schema)) {
      if (DROPPED.has(keyword)) continue;
      if (KEPT.has(keyword)) out[keyword] = value;
      else if (keyword === '$ref') out.$ref = reference(value as string, source);
      else if (keyword === 'const') out.enum = [value];
      else if (keyword === 'items') out.items = convert(value, source);
      else if (keyword === 'additionalProperties') out[keyword] = typeof value === 'boolean' ? value : convert(value, source);
      else if (keyword === 'properties') {
        out[keyword] = Object.fromEntries(Object.entries(value as Json).map(([name, inner]) => [name, convert(inner, source)]));
      } else if (keyword === 'anyOf' || keyword === 'oneOf' || keyword === 'allOf') {
        out[keyword] = (value as unknown[]).map((inner) => convert(inner, source));
      } else throw new Error(`${source}: the keyword ${keyword} does not translate to Veramo's draft-04 schema`);
    }
    // draft-04 ignores whatever stands beside a $ref; a description is harmless, anything else would be lost.
    if (out.$ref !== undefined && Object.keys(out).some((k) => k !== '$ref' && k !== 'description')) {
      throw new Error(`${source}: keywords beside a $ref do not translate to draft-04`);
    }
    return out;
  };

  for (const name of Object.keys((read(file) as { $defs?: Json }).$defs ?? {})) component(file, `/$defs/${name}`);
  return components;
}
