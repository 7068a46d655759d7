import path from 'node:path';
import { connectDatabase } from './connect.js';
import { migrateToLatest } from './migrate.js';
import { resolveDatabase } from './open.js';

/** `npm run db:migrate`: migrates DATABASE_URL, or the embedded database under STEWARD_DATA_DIR. */
const { url, embedded } = await resolveDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: process.env.STEWARD_DATA_DIR ?? path.resolve('.data'),
});
const db = connectDatabase(url);
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'The database is up to date.');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.destroy();
  await embedded?.stop();
}
