import path from 'node:path';
import { sql } from 'kysely';
import { connectDatabase } from './connect.js';
import { type EmbeddedDatabase, type EmbeddedOptions, startEmbeddedPostgres } from './embedded.js';

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
  /** Set when the embedded PostgreSQL is used (started here, or `attached` to the one already running). */
  embedded: EmbeddedDatabase | null;
}

/** `DATABASE_URL` when given; otherwise an embedded cluster under `<dataDir>/postgres`. */
export async function resolveDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
  onLog?: (line: string) => void;
  supervise?: EmbeddedOptions['supervise'];
}): Promise<ResolvedDatabase> {
  if (options.databaseUrl) return { url: options.databaseUrl, embedded: null };
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(options.dataDir, 'postgres'), onLog: options.onLog, supervise: options.supervise });
  await createDatabaseIfMissing(embedded.url, 'steward');
  return { url: embedded.databaseUrl('steward'), embedded };
}
