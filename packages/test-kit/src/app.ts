import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, createLogger, loadConfig, loadKeyring, startJobQueue, startWorkers, type Config, type JobQueue, type Keyring } from '@steward/api';
import type { Db } from '@steward/db';
import { HttpAgent } from './http.js';

/** The secret key test apps share unless a test gives its own (32 bytes, base64). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
/** The suppression list's key of test apps (32 bytes, base64). */
export const TEST_SUPPRESSION_KEY = Buffer.alloc(32, 11).toString('base64');
/** The keys signing campaign emails' links in test apps (production requires them). */
export const TEST_LINK_SIGNING_KEYS = `test1:${Buffer.alloc(32, 9).toString('base64')}`;

export interface TestApp {
  url: string;
  config: Config;
  db: Db;
  jobs: JobQueue;
  keyring: Keyring;
  /** Every line the app logged, for tests that search the logs. */
  logs: string[];
  agent(): HttpAgent;
  /** A new agent signed in through the development form. */
  signIn(email: string, name?: string): Promise<HttpAgent>;
  close(): Promise<void>;
}

/**
 * The real Express app on a real port, over the given database. Environment variables can be
 * overridden per test (e.g. Google issuer, NODE_ENV).
 */
export async function startTestApp(options: {
  database: { db: Db; url: string };
  env?: Record<string, string | undefined>;
  /** Run the background workers (emails) in this app; on by default. */
  workers?: boolean;
}): Promise<TestApp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: url,
    PORT: String(port),
    STEWARD_DEV_SIGN_IN: 'on',
    EMAIL_RETRY_DELAY_SECONDS: '1',
    EMAIL_RETRY_LIMIT: '2',
    JOB_POLLING_INTERVAL_SECONDS: '0.5',
    SIGN_IN_RATE_LIMIT_PER_MINUTE: '10000',
    STEWARD_SECRET_KEY: TEST_SECRET_KEY,
    EMAIL_LINK_SIGNING_KEYS: TEST_LINK_SIGNING_KEYS,
    STEWARD_SUPPRESSION_KEY: TEST_SUPPRESSION_KEY,
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => logs.push(line));
  const db = options.database.db;
  const keyring = await loadKeyring(config);
  const jobs = await startJobQueue({ databaseUrl: options.database.url, logger, ...config.jobs });
  if (options.workers !== false) await startWorkers({ db, config, logger, jobs, keyring });
  const { app } = createApp({ config, db, logger, jobs, keyring });
  server.on('request', app);

  return {
    url,
    config,
    db,
    jobs,
    keyring,
    logs,
    agent: () => new HttpAgent(url),
    async signIn(email, name) {
      const agent = new HttpAgent(url);
      const response = await agent.request('/auth/dev/sign-in', { form: name ? { email, name } : { email } });
      if (response.status !== 303) throw new Error(`Development sign-in as ${email} failed: ${response.status} ${await response.text()}`);
      return agent;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
    },
  };
}
