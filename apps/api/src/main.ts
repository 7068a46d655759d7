import type { Server } from 'node:http';
import { connectDatabase, migrateToLatest, resolveDatabase } from '@steward/db';
import { countOrganisations, createOrganisation } from './areas/organisations/bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { loadKeyring } from './secrets.js';
import { startJobQueue, type JobQueue } from './email/jobs.js';
import { startWorkers } from './email/workers.js';
import { createApp } from './server.js';
import { fieldWorkSettled, resumeFieldIndexes } from './areas/fields/storage.js';

const DEMO = { name: 'Demo', adminEmail: 'admin@example.com' };

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { url, embedded } = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onLog: (line) => logger.debug('postgres', { line: line.trim() }),
    supervise: {
      onRestart: ({ attempt, reason, restarted }) =>
        restarted ? logger.info('The embedded PostgreSQL is running again', { attempt }) : logger.warn('Restarting the embedded PostgreSQL', { attempt, reason }),
      onGiveUp: (error) => {
        // A process manager (systemd, the container runtime) restarts Steward from a clean slate.
        logger.error(`${error.message}. Steward stops so that it can be started again.`);
        process.exit(1);
      },
    },
  });
  if (embedded?.attached) logger.info('Using the embedded PostgreSQL already running on this data folder', { dataDir: embedded.dataDir, port: embedded.port });
  else if (embedded) logger.info('Started the embedded PostgreSQL', { dataDir: embedded.dataDir, port: embedded.port });
  const db = connectDatabase(url, {
    statementTimeoutMs: config.statementTimeoutMs,
    onPoolError: (error) => logger.warn('A database connection was lost; the pool will reconnect', { error: error.message }),
  });

  let server: Server | undefined = undefined;
  let jobs: JobQueue | undefined = undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('Stopping', { signal });
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    await jobs?.stop();
    await fieldWorkSettled();
    await db.destroy();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const applied = await migrateToLatest(db);
  if (applied.length) logger.info('Applied migrations', { applied });
  // Field indexes a crash left unbuilt are built, and those of deleted fields dropped, in the background.
  await resumeFieldIndexes(db, logger);

  if (embedded && config.bootstrapDemo && (await countOrganisations(db)) === 0) {
    await createOrganisation(db, DEMO);
    logger.info(`Created the demo organisation "${DEMO.name}"; sign in as ${DEMO.adminEmail} to administer it.`);
  }

  const keyring = await loadKeyring(config);
  jobs = await startJobQueue({ databaseUrl: url, logger, ...config.jobs });
  await startWorkers({ db, config, logger, jobs, keyring });

  const { app } = createApp({ config, db, logger, jobs, keyring });
  server = app.listen(config.port, () => {
    logger.info(`Steward is running at ${config.publicUrl.href}`, {
      signIn: config.devSignIn ? `development sign-in at ${new URL('/auth/dev', config.publicUrl).href}` : 'Google',
    });
  });
  server.on('error', (error) => {
    logger.error('The server could not start', { error: error.message });
    void stop('error');
  });
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
