/**
 * @module did/web
 *
 * did:web identifiers and documents for organizations (`did:web:<host>`) and
 * registered agents (`did:web:<host>:agents:<name>`), per DESIGN.md "Actors"
 * and the did:web method specification: the method-specific identifier is a
 * host name, a port percent-encoded as `%3A`, then optional `:`-separated
 * path segments (did:web spec, "Method-Specific Identifier"), and a DID maps
 * to `https://<host>[:port]/<path…>/did.json`, or `/.well-known/did.json`
 * when there is no path (did:web spec, "Read (Resolve)"). Plain HTTP is used
 * only for loopback hosts and only when the caller opts in. Documents use
 * Multikey verification methods (Controlled Identifiers v1.0, "Multikey").
 */

import type { DIDDocument, Service, VerificationMethod } from 'did-resolver';
import { legateError, type InputError } from '../errors/index.js';
import { assertBytes, assertString } from '../lib/assert.js';
import { ed25519ToMultibase } from '../lib/multikey.js';
import { isLoopbackHost } from '../lib/http.js';
import { preview } from '../lib/preview.js';

/** `@context` of every DID document Legate publishes. */
export const DID_DOCUMENT_CONTEXT: readonly string[] = Object.freeze([
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/multikey/v1',
]);

/** `type` of the service entry advertising an agent's handshake (ACE) endpoint. */
export const ACE_SERVICE_TYPE = 'LegateAceEndpoint';

/** Fragment of the ACE service entry: `<agent did>#ace`. */
export const ACE_SERVICE_FRAGMENT = 'ace';

/** An agent's name: its did:web path segment, its DID document's URL segment and its store key. */
export const AGENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;
const PORT = /^[1-9]\d{0,4}$/;
const IPV6_LITERAL = /^\[([0-9A-Fa-f:.]{2,45})\](?::([^:]*))?$/;
/** did:web path segments: unreserved characters only, no dot-only segments. */
const PATH_SEGMENT = /^(?!\.+$)[A-Za-z0-9._-]{1,255}$/;
const KID_FRAGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_DOMAIN_LENGTH = 300;
/** Longest DID accepted for parsing or resolution, in characters. */
export const MAX_DID_LENGTH = 2048;
const DID_WEB_PREFIX = 'did:web:';

interface ParsedDomain {
  /** Lowercase host name, dotted-quad IPv4, or a bracketed, normalized IPv6 literal. */
  host: string;
  port: number | undefined;
}


function invalid(message: string, claim: string): InputError {
  return legateError('ERR_INVALID_ARGUMENT', message, { claim });
}

function parsePort(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  if (!PORT.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

function isValidIpv4(host: string): boolean {
  return IPV4.test(host) && host.split('.').every((part) => Number(part) <= 255);
}

/**
 * A DNS host name of LDH labels (RFC 1123 §2.1). The last label must not look
 * like a number: the WHATWG URL parser would then read the whole host as an
 * IPv4 address (e.g. `1.2.3` or `0x7f.1`), so such hosts are refused.
 */
function isValidHostName(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) return false;
  const last = labels[labels.length - 1] ?? '';
  return !/^(?:\d+|0x[0-9a-f]*)$/.test(last);
}

/** Parses `host`, `host:port`, `[ipv6]` or `[ipv6]:port`; null when anything is off. */
function parseDomain(domain: string): ParsedDomain | null {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_LENGTH) return null;
  const v6 = IPV6_LITERAL.exec(domain);
  if (v6) {
    const port = parsePort(v6[2]);
    if (port === null) return null;
    let host: string;
    try {
      host = new URL(`http://[${v6[1] ?? ''}]/`).hostname;
    } catch {
      return null;
    }
    return { host, port };
  }
  const colon = domain.indexOf(':');
  const rawHost = colon === -1 ? domain : domain.slice(0, colon);
  const port = parsePort(colon === -1 ? undefined : domain.slice(colon + 1));
  if (port === null) return null;
  const host = rawHost.toLowerCase();
  if (/^[\d.]+$/.test(host)) return isValidIpv4(host) ? { host, port } : null;
  return isValidHostName(host) ? { host, port } : null;
}

/** The did:web method-specific host part: `:` (IPv6, port) and brackets percent-encoded. */
function encodeDomain({ host, port }: ParsedDomain): string {
  const encodedHost = host.replaceAll('[', '%5B').replaceAll(']', '%5D').replaceAll(':', '%3A');
  return port === undefined ? encodedHost : `${encodedHost}%3A${port}`;
}

function requireDomain(domain: string): ParsedDomain {
  assertString(domain, 'domain');
  const parsed = parseDomain(domain);
  if (parsed === null) {
    throw invalid(`not a domain (expected host or host:port): ${preview(domain)}`, 'domain');
  }
  return parsed;
}

interface ParsedDidWeb {
  domain: ParsedDomain;
  path: string[];
}

/** Parses a bare did:web (no fragment, query or DID URL path); null when invalid. */
function parseDidWeb(did: string): ParsedDidWeb | null {
  if (typeof did !== 'string' || did.length > MAX_DID_LENGTH || !did.startsWith(DID_WEB_PREFIX)) return null;
  const [first, ...path] = did.slice(DID_WEB_PREFIX.length).split(':');
  if (first === undefined || !path.every((segment) => PATH_SEGMENT.test(segment))) return null;
  // The host part may only percent-encode the port colon (did:web spec,
  // "Method-Specific Identifier") and, for IPv6 literals, brackets and colons.
  if (!/^(?:[A-Za-z0-9.-]|%3[Aa]|%5[BbDd])+$/.test(first)) return null;
  const domain = parseDomain(decodeURIComponent(first));
  return domain === null ? null : { domain, path };
}

/**
 * True for loopback hosts: `localhost`, any `127.x.x.x`, and `[::1]` (with or
 * without brackets). Case-insensitive; no DNS lookup.
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('example.com'); // false
 * ```
 */
export { isLoopbackHost };

/**
 * The did:web of an organization hosted at `domain` (`host` or `host:port`).
 * The host is lowercased; a port is encoded as `%3A` (did:web spec,
 * "Method-Specific Identifier"). IPv6 literals (`[::1]:7401`) are accepted
 * and percent-encoded, an extension the did:web spec does not define.
 *
 * @throws InputError `ERR_INVALID_ARGUMENT` for anything but a bare host and
 *   optional port: schemes, paths, userinfo, bad labels, ports out of range.
 *
 * @example
 * ```ts
 * orgDidFromDomain('Example.com');    // 'did:web:example.com'
 * orgDidFromDomain('localhost:7401'); // 'did:web:localhost%3A7401'
 * ```
 */
export function orgDidFromDomain(domain: string): string {
  return `${DID_WEB_PREFIX}${encodeDomain(requireDomain(domain))}`;
}

/**
 * The did:web of a registered agent: `did:web:<host>:agents:<name>`, served at
 * `https://<host>/agents/<name>/did.json`.
 *
 * @param name - `[a-z0-9][a-z0-9-]{0,62}`.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad domain or name.
 *
 * @example
 * ```ts
 * agentDidFromDomain('acme.example', 'alice'); // 'did:web:acme.example:agents:alice'
 * ```
 */
export function agentDidFromDomain(domain: string, name: string): string {
  const parsed = requireDomain(domain);
  assertString(name, 'name');
  if (!AGENT_NAME.test(name)) {
    throw invalid(`agent name must match [a-z0-9][a-z0-9-]{0,62}: ${preview(name)}`, 'name');
  }
  return `${DID_WEB_PREFIX}${encodeDomain(parsed)}:agents:${name}`;
}

/** Options of {@link didWebToUrl}. */
export interface DidWebUrlOptions {
  /** Use `http:` for loopback hosts (`localhost`, `127.x.x.x`, `[::1]`). Default false. */
  allowHttpLoopback?: boolean | undefined;
}

/**
 * The URL of a did:web's DID document (did:web spec, "Read (Resolve)"):
 * `did:web:host` → `https://host/.well-known/did.json`, `did:web:host:a:b` →
 * `https://host/a/b/did.json`. The scheme is `http:` only when the host is
 * loopback and `allowHttpLoopback` is true; otherwise always `https:`.
 * Returns undefined when `did` is not a valid bare did:web.
 *
 * @example
 * ```ts
 * didWebToUrl('did:web:localhost%3A7401', { allowHttpLoopback: true })?.href;
 * // 'http://localhost:7401/.well-known/did.json'
 * ```
 */
export function didWebToUrl(did: string, options: DidWebUrlOptions = {}): URL | undefined {
  const parsed = parseDidWeb(did);
  if (parsed === null) return undefined;
  const { host, port } = parsed.domain;
  const scheme = options.allowHttpLoopback === true && isLoopbackHost(host) ? 'http' : 'https';
  const path = parsed.path.length === 0 ? '.well-known' : parsed.path.join('/');
  return new URL(`${scheme}://${host}${port === undefined ? '' : `:${port}`}/${path}/did.json`);
}

/** True when `did` is a syntactically valid bare did:web. */
function isDidWeb(did: string): boolean {
  return parseDidWeb(did) !== null;
}

/** A public key to list in a DID document. */
export interface DidDocumentKey {
  /** The verification method id: `<did>#<fragment>`, or relative `#<fragment>`. */
  kid: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** Input of {@link buildOrganizationDidDocument}. */
export interface OrganizationDidDocumentInput {
  /** The organization's did:web. */
  did: string;
  /** Every key to list; rotated-out keys stay so old credentials verify. At least one. */
  keys: readonly DidDocumentKey[];
  /** The kids listed under `assertionMethod`; default every key. Each must be in `keys`. */
  assertionKids?: readonly string[] | undefined;
  /** Service entries (DID Core §5.4), each `<did>#<fragment>`: where partners reach the organization's node. */
  services?: readonly { fragment: string; type: string; serviceEndpoint: string }[] | undefined;
}

/** Input of {@link buildAgentDidDocument}. */
export interface AgentDidDocumentInput {
  /** The agent's did:web (`did:web:<host>:agents:<name>`). */
  did: string;
  /** The organization's did:web: the document's top-level `controller`. */
  controller: string;
  /** The agent's key; or give `keys`. */
  key?: DidDocumentKey | undefined;
  /** Every key to list (oldest first), e.g. the new key and a rotated-out one still live; at least one. Wins over `key`. */
  keys?: readonly DidDocumentKey[] | undefined;
  /** Absolute URL of the agent's handshake endpoint: https, or http for a loopback host. */
  serviceEndpoint: string;
}

function requireDidWeb(did: string, claim: string): void {
  assertString(did, claim);
  if (!isDidWeb(did)) throw invalid(`${claim} is not a valid did:web: ${preview(did)}`, claim);
}

/** Resolves a kid to an absolute DID URL under `did` (DID Core §3.2.2, relative DID URLs). */
function absoluteKid(did: string, kid: string): string {
  assertString(kid, 'kid');
  let fragment: string | undefined;
  if (kid.startsWith('#')) fragment = kid.slice(1);
  else if (kid.startsWith(`${did}#`)) fragment = kid.slice(did.length + 1);
  if (fragment === undefined || !KID_FRAGMENT.test(fragment)) {
    throw invalid(`kid must be ${did}#<fragment> or #<fragment>: ${preview(kid)}`, 'kid');
  }
  return `${did}#${fragment}`;
}

/** A Multikey verification method (DID Core §5.2; Controlled Identifiers v1.0, "Multikey"). */
function multikeyMethod(id: string, controller: string, publicKey: Uint8Array): VerificationMethod {
  assertBytes(publicKey, 'publicKey', 32);
  return { id, type: 'Multikey', controller, publicKeyMultibase: ed25519ToMultibase(publicKey) };
}

/**
 * The DID document of an organization: one Multikey verification method per
 * key, all under `authentication` (DID Core §5.3.1), and `assertionKids` (by
 * default all) under `assertionMethod` (DID Core §5.3.2), the relationship
 * credential signatures are checked against.
 *
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad DID or kid, no keys,
 *   duplicate kids, or an assertion kid that is not among the keys.
 *
 * @example
 * ```ts
 * const doc = buildOrganizationDidDocument({
 *   did: 'did:web:acme.example',
 *   keys: [{ kid: 'did:web:acme.example#key-1', publicKey }],
 * });
 * ```
 */
export function buildOrganizationDidDocument(input: OrganizationDidDocumentInput): DIDDocument {
  const { did, keys, assertionKids, services } = input;
  requireDidWeb(did, 'did');
  if (typeof keys !== 'object' || keys === null || keys.length === 0) {
    throw invalid('an organization document needs at least one key', 'keys');
  }
  const methods = keys.map((key) => multikeyMethod(absoluteKid(did, key.kid), did, key.publicKey));
  const ids = methods.map((m) => m.id);
  if (new Set(ids).size !== ids.length) throw invalid('duplicate kid in keys', 'keys');
  let assertion = ids;
  if (assertionKids !== undefined) {
    assertion = [...new Set(assertionKids.map((kid) => absoluteKid(did, kid)))];
    const unknown = assertion.find((id) => !ids.includes(id));
    if (unknown !== undefined) {
      throw invalid(`assertion kid is not among the keys: ${preview(unknown)}`, 'assertionKids');
    }
  }
  const service = (services ?? []).map((entry): Service => {
    const id = absoluteKid(did, `#${entry.fragment}`);
    if (ids.includes(id)) throw invalid(`service id #${entry.fragment} is a key id`, 'services');
    requireServiceEndpoint(entry.serviceEndpoint);
    return { id, type: entry.type, serviceEndpoint: entry.serviceEndpoint };
  });
  return {
    '@context': [...DID_DOCUMENT_CONTEXT],
    id: did,
    verificationMethod: methods,
    authentication: [...ids],
    assertionMethod: [...assertion],
    ...(service.length === 0 ? {} : { service }),
  };
}

function requireServiceEndpoint(endpoint: string): void {
  assertString(endpoint, 'serviceEndpoint');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid(`serviceEndpoint is not an absolute URL: ${preview(endpoint)}`, 'serviceEndpoint');
  }
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!schemeOk || url.username !== '' || url.password !== '' || url.hash !== '') {
    throw invalid(
      'serviceEndpoint must be https (http only for a loopback host), without credentials or fragment',
      'serviceEndpoint',
    );
  }
}

/**
 * The DID document of a registered agent: top-level `controller` is the
 * organization (DID Core §5.1.2), the agent's own keys (controlled by the
 * agent DID: its current key, and after a rotation the old one while
 * anything it signed can be live) are under `authentication` and
 * `assertionMethod`, and a service
 * entry `<did>#ace` of type `LegateAceEndpoint` advertises its handshake
 * endpoint (DID Core §5.4).
 *
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad DID, controller, kid or endpoint.
 *
 * @example
 * ```ts
 * const doc = buildAgentDidDocument({
 *   did: 'did:web:acme.example:agents:alice',
 *   controller: 'did:web:acme.example',
 *   key: { kid: 'did:web:acme.example:agents:alice#key-1', publicKey },
 *   serviceEndpoint: 'https://acme.example/ace',
 * });
 * ```
 */
export function buildAgentDidDocument(input: AgentDidDocumentInput): DIDDocument {
  const { did, controller, key, serviceEndpoint } = input;
  requireDidWeb(did, 'did');
  requireDidWeb(controller, 'controller');
  if (controller === did) throw invalid('an agent cannot be its own controller', 'controller');
  const keys = input.keys ?? (key === undefined ? [] : [key]);
  if (typeof keys !== 'object' || keys === null || keys.length === 0) throw invalid('an agent document needs at least one key', 'keys');
  const methods = keys.map((k) => multikeyMethod(absoluteKid(did, k.kid), did, k.publicKey));
  const ids = methods.map((m) => m.id);
  if (new Set(ids).size !== ids.length) throw invalid('duplicate kid in keys', 'keys');
  const serviceId = `${did}#${ACE_SERVICE_FRAGMENT}`;
  if (ids.includes(serviceId)) throw invalid(`kid #${ACE_SERVICE_FRAGMENT} is reserved for the service entry`, 'kid');
  requireServiceEndpoint(serviceEndpoint);
  const service: Service = { id: serviceId, type: ACE_SERVICE_TYPE, serviceEndpoint };
  return {
    '@context': [...DID_DOCUMENT_CONTEXT],
    id: did,
    controller,
    verificationMethod: methods,
    authentication: [...ids],
    assertionMethod: [...ids],
    service: [service],
  };
}
