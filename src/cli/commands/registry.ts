/**
 * @module cli/commands/registry
 *
 * `legate registry accredit|recognize|remove|show|query`: this
 * organization's trust list (each change re-signs and republishes it) and the
 * two Trust Registry Query Protocol questions against this node's registry.
 */

import type { Command } from 'commander';
import { legateError } from '../../errors/index.js';
import { decodeCompactJws } from '../../lib/jws.js';
import { trustListUrl } from '../../node/registry.js';
import { queryAuthorization, queryRecognition } from '../../registry/query.js';
import type { PathStep } from '../../registry/types.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println, type GlobalOptions } from '../io.js';
import { collect, checkDuration, parseCount } from '../parse.js';

const describeStep = (step: PathStep) => (step.type === 'list' ? `${step.url} (${step.issuer})` : step.id);

function printPublished(globals: GlobalOptions, jwt: string): number {
  const { payload } = decodeCompactJws(jwt);
  const subject = payload.credentialSubject as { version: number };
  if (globals.json) printJson({ jwt, credential: payload });
  else println(`trust list version ${subject.version} published at ${String(payload.id)}`);
  return EXIT.ok;
}

export function registerRegistry(program: Command): void {
  const registry = program.command('registry').description("this organization's trust list, and trust queries");

  const accreditCmd = registry
    .command('accredit <did>')
    .description('accredit an issuer to attest capability patterns (<action>:<resource>)')
    .requiredOption('--for <pattern>', 'a capability pattern, e.g. call:billing:* (repeatable)', collect)
    .option('--max-depth <n>', 'how deep its credentials may delegate (0-8)', '0')
    .option('--valid-for <duration>', 'how long the accreditation lasts (default: until removed)');
  action(accreditCmd, async (globals, did: string, flags: { for: string[]; maxDepth: string; validFor?: string }) => {
    const maxDelegationDepth = parseCount(flags.maxDepth, '--max-depth');
    const validFor = flags.validFor === undefined ? undefined : checkDuration(flags.validFor, '--valid-for');
    return withNode(globals, async (node) =>
      printPublished(globals, await node.services.registry.accredit({ issuer: did, capabilities: flags.for, maxDelegationDepth, ...(validFor === undefined ? {} : { validFor }) })),
    );
  });

  const recognizeCmd = registry
    .command('recognize <url>')
    .description("recognize another organization's trust list")
    .requiredOption('--issuer <did>', 'the DID that must sign that list')
    .option('--hops <n>', 'how many further recognitions may be followed from it (0-4)', '0')
    .option('--for <pattern>', 'bound what it may accredit (repeatable; default: no further bound)', collect);
  action(recognizeCmd, async (globals, url: string, flags: { issuer: string; hops: string; for?: string[] }) => {
    const hops = parseCount(flags.hops, '--hops', 4);
    return withNode(globals, async (node) =>
      printPublished(globals, await node.services.registry.recognize({ url, issuer: flags.issuer, hops, ...(flags.for === undefined ? {} : { capabilities: flags.for }) })),
    );
  });

  const remove = registry.command('remove <did-or-url>').description('remove an accreditation or recognition');
  action(remove, async (globals, key: string) => withNode(globals, async (node) => printPublished(globals, await node.services.registry.remove(key))));

  const show = registry.command('show').description('print the signed trust list');
  action(show, async (globals) =>
    withNode(globals, async (node) => {
      const jwt = await node.services.registry.published();
      if (globals.json) return printPublished(globals, jwt);
      const { accredits, recognizes } = await node.services.registry.entries();
      println(`${trustListUrl(node)}  (version ${(decodeCompactJws(jwt).payload.credentialSubject as { version: number }).version})`);
      for (const a of accredits) println(`  accredits   ${a.issuer}  for ${a.capabilities.join(', ')}  depth ${a.maxDelegationDepth}${a.validUntil ? `  until ${a.validUntil}` : ''}`);
      for (const r of recognizes) println(`  recognizes  ${r.url}  signed by ${r.issuer}  hops ${r.hops}${r.capabilities ? `  within ${r.capabilities.join(', ')}` : ''}`);
      println(jwt);
      return EXIT.ok;
    }),
  );

  const query = registry
    .command('query')
    .description('is an issuer authorized for a capability? does one registry recognize another?')
    .option('--issuer <did>', 'the entity asked about')
    .option('--capability <action:resource>', 'the authorization asked about')
    .option('--registry <url-or-did>', 'for a recognition query: the recognizing registry')
    .option('--recognized <url-or-did>', 'for a recognition query: the registry asked about');
  action(query, async (globals, flags: { issuer?: string; capability?: string; registry?: string; recognized?: string }) =>
    withNode(globals, async (node) => {
      const reg = node.services.verifier.trustRegistry;
      if (flags.issuer !== undefined && flags.capability !== undefined) {
        const answer = await queryAuthorization(reg, { entity: flags.issuer, authorization: flags.capability });
        if (globals.json) printJson(answer);
        else {
          println(answer.authorized ? 'authorized' : 'NOT authorized');
          if (answer.path) println(`  path  ${answer.path.map(describeStep).join(' -> ')}`);
          if (answer.reason) println(`  ${answer.reason.code}  ${answer.reason.message}`);
        }
        return answer.authorized ? EXIT.ok : EXIT.failed;
      }
      if (flags.registry !== undefined && flags.recognized !== undefined) {
        const answer = await queryRecognition(reg, { registry: flags.registry, recognized: flags.recognized });
        if (globals.json) printJson(answer);
        else {
          println(answer.recognized ? 'recognized' : 'NOT recognized');
          if (answer.path) println(`  path  ${answer.path.map(describeStep).join(' -> ')}`);
          if (answer.reason) println(`  ${answer.reason.code}  ${answer.reason.message}`);
        }
        return answer.recognized ? EXIT.ok : EXIT.failed;
      }
      throw legateError('ERR_INVALID_ARGUMENT', 'give --issuer and --capability, or --registry and --recognized', { claim: 'query' });
    }),
  );
}
