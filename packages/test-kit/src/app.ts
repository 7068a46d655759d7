import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, createLogger, loadConfig, type Config } from '@steward/api';
import type { Db } from '@steward/db';
import { HttpAgent } from './http.js';

export interface TestApp {
  url: string;
  config: Config;
  db: Db;
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
export async function startTestApp(options: { db: Db; env?: Record<string, string | undefined> }): Promise<TestApp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: url, PORT: String(port), STEWARD_DEV_SIGN_IN: 'on', ...options.env });
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => logs.push(line));
  const { app } = createApp({ config, db: options.db, logger });
  server.on('request', app);

  return {
    url,
    config,
    db: options.db,
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
    },
  };
}
