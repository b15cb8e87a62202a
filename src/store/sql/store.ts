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
import type { Repositories, Store, TransactionOptions } from '../types.js';
import { toStoreError } from './errors.js';
import type { SqlExecutor } from './executor.js';
import { REPOSITORY_FACTORIES, type IntegrityCheck } from './repositories.js';

/** What a backend hands {@link createSqlStore}. */
export interface SqlStoreBackend {
  /** The auto-commit executor; its `transaction` pins a connection. */
  readonly exec: SqlExecutor;
  readonly checkIntegrity: IntegrityCheck;
  /**
   * Called before every operation, by its method name (and before a
   * top-level transaction, as `transaction`): throws to refuse it. SQLite
   * refuses writes once it has met a damaged file.
   */
  guard?(operation: string): void;
  /** The store's {@link Store.changeStamp}, when the backend can tell. */
  changeStamp?(): string | undefined;
  /** Releases the backend; called once, after every started call has finished. */
  close(): Promise<void>;
}

/**
 * How a scope lets a call through: `check` throws to refuse it (a closed
 * store, an ended transaction, the backend's guard); `settle` sees its
 * promise (the store tracks it, so `close()` can wait for it). Made once per
 * scope, so a call makes no closure of its own.
 */
interface Admission {
  check(operation: string): void;
  settle(promise: Promise<unknown>): Promise<unknown>;
}
type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * The repositories of one scope (the store, or one transaction level): each
 * port is made on first use, and every method runs through the scope's
 * {@link Admission}, its errors mapped. A transaction uses a few ports of many, so
 * making all of them for each one would cost more than its statements.
 */
class ScopedRepositories {
  readonly #exec: SqlExecutor;
  readonly #checkIntegrity: IntegrityCheck;
  readonly #admission: Admission;
  readonly #made: (Record<string, Method> | undefined)[] = [];

  constructor(exec: SqlExecutor, checkIntegrity: IntegrityCheck, admission: Admission) {
    this.#exec = exec;
    this.#checkIntegrity = checkIntegrity;
    this.#admission = admission;
  }

  /** Runs method `name` of port `index` through the scope's admission. (No repository method has this name.) */
  forwardToPort(index: number, name: string, args: unknown[]): Promise<unknown> {
    const admission = this.#admission;
    let result: Promise<unknown>;
    try {
      admission.check(name);
      let port = this.#made[index];
      if (port === undefined) {
        const create = REPOSITORY_FACTORIES[index];
        if (create === undefined) throw new RangeError(`no repository ${index}`);
        port = create(this.#exec, this.#checkIntegrity) as Record<string, Method>;
        this.#made[index] = port;
      }
      const method = port[name];
      if (method === undefined) throw new RangeError(`no repository method ${name}`);
      result = method(...args).catch((error: unknown) => {
        throw toStoreError(error, name);
      });
    } catch (error) {
      result = Promise.reject(toStoreError(error, name));
    }
    return admission.settle(result);
  }
}

/**
 * A class of {@link ScopedRepositories} with one method per repository
 * method, each forwarding to its port. Built once per store (the method
 * names are read from the ports made over its executor).
 */
function repositoriesClass(backend: SqlStoreBackend): new (exec: SqlExecutor, admission: Admission) => Repositories {
  const { exec, checkIntegrity } = backend;
  class Scoped extends ScopedRepositories {
    constructor(scopeExec: SqlExecutor, admission: Admission) {
      super(scopeExec, checkIntegrity, admission);
    }
  }
  const prototype = Scoped.prototype as unknown as Record<string, Method>;
  // The stamp is the connection's, the same in every scope; a plain function, never through the guards.
  const changeStamp = backend.changeStamp?.bind(backend);
  if (changeStamp !== undefined) (prototype as Partial<Store>).changeStamp = changeStamp;
  REPOSITORY_FACTORIES.forEach((create, index) => {
    for (const name of Object.keys(create(exec, checkIntegrity))) {
      prototype[name] = function (this: ScopedRepositories, ...args: unknown[]) {
        return this.forwardToPort(index, name, args);
      };
    }
  });
  return Scoped as unknown as new (exec: SqlExecutor, admission: Admission) => Repositories;
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
  const guard = backend.guard?.bind(backend);
  const admission: Admission = {
    check(operation) {
      if (closing !== undefined) throw closed();
      guard?.(operation);
    },
    // A refused call (the store closing) is not tracked: close() need not wait for it.
    settle: (promise) => (closing === undefined ? track(promise) : promise),
  };
  const Scoped = repositoriesClass(backend);
  const store = new Scoped(backend.exec, admission) as Store;
  store.transaction = (fn, options) => {
    if (closing !== undefined) return Promise.reject(closed());
    try {
      guard?.('transaction');
    } catch (error) {
      return Promise.reject(toStoreError(error, 'transaction'));
    }
    return track(topLevel(Scoped, backend.exec, fn, guard, options));
  };
  store.close = () => {
    closing ??= (async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
      await backend.close();
    })();
    return closing;
  };
  return store;
}

type ScopedClass = ReturnType<typeof repositoriesClass>;
type Guard = ((operation: string) => void) | undefined;

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
function topLevel<T>(Scoped: ScopedClass, exec: SqlExecutor, fn: (tx: Store) => Promise<T>, guard: Guard, options: TransactionOptions | undefined): Promise<T> {
  return exec.transaction((txExec) => runScope(new Scope(txExec), Scoped, fn, guard), options);
}

async function runScope<T>(scope: Scope, Scoped: ScopedClass, fn: (tx: Store) => Promise<T>, guard: Guard): Promise<T> {
  try {
    const result = await fn(scopeStore(scope, Scoped, guard));
    scope.assertCleanEnd();
    return result;
  } finally {
    scope.end();
  }
}

/** The `tx` handed to a transaction function. */
function scopeStore(scope: Scope, Scoped: ScopedClass, guard: Guard): Store {
  const admission: Admission = {
    check(operation) {
      guard?.(operation);
      scope.assertUsable();
    },
    settle: (promise) => promise,
  };
  const store = new Scoped(scope.exec, admission) as Store;
  store.transaction = async (fn) => {
    scope.assertUsable();
    // Open from now, not from when the savepoint is taken: the parent is unusable meanwhile, and cannot commit around it.
    const child = new Scope(scope.exec);
    scope.child = child;
    try {
      return await scope.exec.transaction((exec) => {
        child.exec = exec;
        return runScope(child, Scoped, fn, guard);
      });
    } finally {
      if (scope.child === child) scope.child = undefined;
    }
  };
  store.close = () => Promise.reject(legateError('ERR_STORE', 'close the store, not a transaction'));
  return store;
}
