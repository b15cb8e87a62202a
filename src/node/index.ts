/**
 * @module node
 *
 * A Legate node over a data directory: initialize it, open it, register
 * agents and issue them capability credentials. The CLI and the HTTP service
 * are thin layers over these functions.
 */

export { initNode, type InitOptions } from './init.js';
export { openNode, isInitialized } from './open.js';
export type { NodeContext, NodeOptions } from './context.js';
export { createAgent, getAgent, listAgents, showAgent, type CreateAgentOptions } from './agents.js';
export { issueToAgent, organizationSigner, type IssueToAgentOptions } from './issue.js';
export { organizationDocument, agentDocument, aceEndpoint } from './documents.js';
export { delegateFromAgent, type DelegateFromAgentOptions } from './delegate.js';
export { presentAsAgent, type PresentAsAgentOptions } from './present.js';
