import path from 'node:path';
import { sql } from 'kysely';
import { connectDatabase } from './connect.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded.js';

export async function createDatabaseIfMissing(maintenanceUrl: string, name: string): Promise<void> {
  const db = connectDatabase(maintenanceUrl);
  try {
    const found = await sql`select 1 from pg_database where datname = ${name}`.execute(db);
    if (found.rows.length === 0) await sql`create database ${sql.id(name)}`.execute(db);
  } finally {
    await db.destroy();
  }
}

export interface ResolvedDatabase {
  url: string;
  /** Set when Steward started its own PostgreSQL, which must be stopped on exit. */
  embedded: EmbeddedDatabase | null;
}

/** `DATABASE_URL` when given; otherwise an embedded cluster under `<dataDir>/postgres`. */
export async function resolveDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
  onLog?: (line: string) => void;
}): Promise<ResolvedDatabase> {
  if (options.databaseUrl) return { url: options.databaseUrl, embedded: null };
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(options.dataDir, 'postgres'), onLog: options.onLog });
  await createDatabaseIfMissing(embedded.url, 'steward');
  return { url: embedded.databaseUrl('steward'), embedded };
}
