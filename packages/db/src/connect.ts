import { Kysely, PostgresDialect } from 'kysely';
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
  pool.on('connect', (client) => client.on('error', () => {}));
  const onQuery = options.onQuery;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: onQuery ? (event) => onQuery(event.query.sql, event.query.parameters) : undefined,
  });
  pools.set(db, pool);
  return db;
}
