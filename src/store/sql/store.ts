/**
 * @module store/sql/store
 *
 * A {@link Store} over any {@link SqlExecutor}: the shared repositories
 * (`./repositories`) behind the guards every backend owes its callers —
 *
 * - every failure is a Legate error (`./errors`);
 * - a closed store refuses calls with `ERR_STORE`, and `close()` first lets
 *   every call and transaction already started finish (so a transaction
 *   running when `close()` is called still commits);
 * - a transaction's store is unusable once the transaction has ended, and
 *   while a nested transaction it opened is running; a transaction function
 *   that returns before its nested transaction ended rolls everything back.
 *
 * How far transactions are isolated from each other is the executor's: the
 * PostgreSQL driver runs them concurrently at READ COMMITTED, with
 * {@link SqlExecutor.lock} where a read decides a write. Internal.
 */

import { legateError } from '../../errors/index.js';
import type { Repositories, Store } from '../types.js';
import { toStoreError } from './errors.js';
import type { SqlExecutor } from './executor.js';
import { createRepositories, type IntegrityCheck } from './repositories.js';

/** What a backend hands {@link createSqlStore}. */
export interface SqlStoreBackend {
  /** The auto-commit executor; its `transaction` pins a connection. */
  readonly exec: SqlExecutor;
  readonly checkIntegrity: IntegrityCheck;
  /** Releases the backend; called once, after every started call has finished. */
  close(): Promise<void>;
}

type Call = <T>(operation: string, op: () => Promise<T>) => Promise<T>;

/** The repositories over `exec`, each method run through `call` (which guards it and maps its errors). */
function guardedRepositories(exec: SqlExecutor, checkIntegrity: IntegrityCheck, call: Call): Repositories {
  const repositories = createRepositories(exec, checkIntegrity) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repositories)) {
    guarded[name] = (...args: unknown[]) => call(name, () => method(...args));
  }
  return guarded as unknown as Repositories;
}

function mapped<T>(operation: string, op: () => Promise<T>): Promise<T> {
  try {
    return op().catch((error: unknown) => {
      throw toStoreError(error, operation);
    });
  } catch (error) {
    return Promise.reject(toStoreError(error, operation));
  }
}

/** A store over `backend`. */
export function createSqlStore(backend: SqlStoreBackend): Store {
  let closing: Promise<void> | undefined;
  const running = new Set<Promise<unknown>>();
  const closed = () => legateError('ERR_STORE', 'the store is closed');
  function track<T>(promise: Promise<T>): Promise<T> {
    running.add(promise);
    const done = () => running.delete(promise);
    promise.then(done, done);
    return promise;
  }
  const call: Call = (operation, op) => (closing === undefined ? track(mapped(operation, op)) : Promise.reject(closed()));
  return {
    ...guardedRepositories(backend.exec, backend.checkIntegrity, call),
    transaction: (fn) => (closing === undefined ? track(topLevel(backend, fn)) : Promise.reject(closed())),
    close() {
      closing ??= (async () => {
        while (running.size > 0) await Promise.allSettled([...running]);
        await backend.close();
      })();
      return closing;
    },
  };
}

/** One level of a transaction: its executor, whether it ended, the nested level it has open. */
class Scope {
  ended = false;
  child: Scope | undefined;
  constructor(public exec: SqlExecutor) {}

  assertUsable(): void {
    if (this.ended) throw legateError('ERR_STORE', 'the transaction has ended');
    if (this.child !== undefined) throw legateError('ERR_STORE', 'a nested transaction is open; use its store until it ends');
  }

  /** After the function resolved: refuse to commit around a nested transaction still running. */
  assertCleanEnd(): void {
    if (this.child !== undefined) {
      throw legateError('ERR_STORE', 'the transaction function returned before its nested transaction ended');
    }
  }

  /** Ends this level and every level it has open. */
  end(): void {
    this.ended = true;
    this.child?.end();
  }
}

/** The caller's own error comes back as it was thrown; the driver's are Legate errors already. */
function topLevel<T>(backend: SqlStoreBackend, fn: (tx: Store) => Promise<T>): Promise<T> {
  return backend.exec.transaction((exec) => runScope(new Scope(exec), backend.checkIntegrity, fn));
}

async function runScope<T>(scope: Scope, checkIntegrity: IntegrityCheck, fn: (tx: Store) => Promise<T>): Promise<T> {
  try {
    const result = await fn(scopeStore(scope, checkIntegrity));
    scope.assertCleanEnd();
    return result;
  } finally {
    scope.end();
  }
}

/** The `tx` handed to a transaction function. */
function scopeStore(scope: Scope, checkIntegrity: IntegrityCheck): Store {
  const call: Call = (operation, op) => {
    return mapped(operation, () => {
      scope.assertUsable();
      return op();
    });
  };
  return {
    ...guardedRepositories(scope.exec, checkIntegrity, call),
    async transaction(fn) {
      scope.assertUsable();
      // Open from now, not from when the savepoint is taken: the parent is unusable meanwhile, and cannot commit around it.
      const child = new Scope(scope.exec);
      scope.child = child;
      try {
        return await scope.exec.transaction((exec) => {
          child.exec = exec;
          return runScope(child, checkIntegrity, fn);
        });
      } finally {
        if (scope.child === child) scope.child = undefined;
      }
    },
    close: () => Promise.reject(legateError('ERR_STORE', 'close the store, not a transaction')),
  };
}
