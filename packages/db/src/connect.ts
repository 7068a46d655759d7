import { type CompiledQuery, type Compilable, Kysely, PostgresDialect, type QueryResult } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface ConnectOptions {
  /** Milliseconds a single statement may run before Postgres cancels it. */
  statementTimeoutMs?: number;
  maxConnections?: number;
  onPoolError?: (error: Error) => void;
  /** Called with the SQL (and parameters) of every query run (tests count queries with it). */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void;
}

// timestamptz as Date, int8 (count(*)) as number: counts here never approach 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const pools = new WeakMap<Db, pg.Pool>();

/**
 * SQL texts run as named prepared statements: PostgreSQL plans them once per connection instead
 * of on every request. Only fixed texts on hot paths are registered (a key's check, a caller's
 * standing): each costs a prepared statement per connection, so the set must stay small.
 */
const preparedNames = new Map<string, string>();

/** Marks a compiled SQL text (with `$n` parameters) to be prepared on each connection that runs it. */
export function runPrepared(sqlText: string): void {
  if (!preparedNames.has(sqlText)) preparedNames.set(sqlText, `steward_${preparedNames.size + 1}`);
}

/**
 * A query built and compiled once, then run with new values for its placeholders, as a named
 * prepared statement: neither Kysely nor PostgreSQL does the work again per request.
 * `build` receives a stand-in string per placeholder; it must use them only as values.
 */
export function preparedQuery<P extends string, O>(names: readonly P[], build: (db: Kysely<Database>, placeholders: Record<P, string>) => Compilable<O>) {
  const nameOf = new Map(names.map((name) => [`\u0000${name}\u0000`, name]));
  let compiled: CompiledQuery<O> | null = null;
  return async (db: Kysely<Database>, values: Record<P, unknown>): Promise<QueryResult<O>> => {
    if (!compiled) {
      compiled = build(db, Object.fromEntries([...nameOf].map(([stand, name]) => [name, stand])) as Record<P, string>).compile();
      const used = new Set(compiled.parameters.filter((v): v is string => typeof v === 'string' && nameOf.has(v)));
      if (used.size !== names.length) throw new Error(`preparedQuery: placeholders ${names.join(', ')} must each be a value of the query.`);
      runPrepared(compiled.sql);
    }
    const parameters = compiled.parameters.map((v) => (typeof v === 'string' && nameOf.has(v) ? values[nameOf.get(v)!] : v));
    return db.executeQuery<O>({ ...compiled, parameters });
  };
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Routes a connection's queries whose text was registered through runPrepared to a named statement. */
function prepareRegisteredQueries(client: pg.PoolClient) {
  const query = client.query.bind(client) as QueryFn;
  (client as unknown as { query: QueryFn }).query = (config, values, callback) => {
    const name = typeof config === 'string' ? preparedNames.get(config) : undefined;
    return name ? query({ name, text: config, values }, callback) : query(config, values, callback);
  };
}

/** The node-postgres pool behind a connection, for libraries that take one (the rate limiter's store). */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('This database handle was not made by connectDatabase.');
  return pool;
}

export function connectDatabase(databaseUrl: string, options: ConnectOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart, network blip) emits 'error' on
  // the pool; unhandled, that would crash the process. The pool replaces the client itself.
  pool.on('error', options.onPoolError ?? (() => {}));
  // pg-pool listens for errors only on idle clients: one whose connection drops while checked out
  // (a query running as the server dies) would emit 'error' to no one and end the process. The
  // query rejects with the same error, so this listener has nothing more to do.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    prepareRegisteredQueries(client);
  });
  const onQuery = options.onQuery;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: onQuery ? (event) => onQuery(event.query.sql, event.query.parameters) : undefined,
  });
  pools.set(db, pool);
  return db;
}
