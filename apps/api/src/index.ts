export { createApp, databaseIsReachable } from './server.js';
export { loadConfig, type Config } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { appRouter, type AppRouter } from './router.js';
export { createOrganisation } from './areas/organisations/bootstrap.js';
export { startJobQueue, type JobQueue } from './email/jobs.js';
export { startWorkers } from './email/workers.js';
export { loadKeyring, type Keyring } from './secrets.js';
