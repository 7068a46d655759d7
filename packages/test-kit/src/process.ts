import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '@steward/db';
import { HttpAgent } from './http.js';
import { TEST_SECRET_KEY } from './app.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

export interface ApiProcess {
  url: string;
  /** Everything the process printed (stdout and stderr), line by line. */
  output: string[];
  agent(): HttpAgent;
  signIn(email: string): Promise<HttpAgent>;
  stop(): Promise<void>;
  /** Ends the process at once (SIGKILL), as a crash or an out-of-memory kill would: no graceful shutdown. */
  kill(): Promise<void>;
}

/**
 * Starts `apps/api/src/main.ts` as its own process on a free port, as `npm start` would, on
 * `databaseUrl` or (given `dataDir` instead) on the embedded PostgreSQL kept in that folder.
 */
export async function startApiProcess(
  options: ({ databaseUrl: string } | { dataDir: string }) & { env?: Record<string, string>; /** Run the production build (apps/api/dist/main.js) instead of the sources. */ compiled?: boolean },
): Promise<ApiProcess> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, options.compiled ? ['apps/api/dist/main.js'] : ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ...('databaseUrl' in options ? { DATABASE_URL: options.databaseUrl } : { DATABASE_URL: '', STEWARD_DATA_DIR: options.dataDir }),
      PORT: String(port),
      PUBLIC_URL: url,
      STEWARD_DEV_SIGN_IN: 'on',
      STEWARD_SECRET_KEY: TEST_SECRET_KEY,
      JOB_POLLING_INTERVAL_SECONDS: '0.5',
      EMAIL_RETRY_DELAY_SECONDS: '1',
      SIGN_IN_RATE_LIMIT_PER_MINUTE: '10000',
      LOG_LEVEL: 'debug',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const started = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        output.push(line);
        if (line.includes('Steward is running')) resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`The API process exited with ${code} before starting:\n${output.join('\n')}`)));
  });
  await Promise.race([started, new Promise((_, reject) => setTimeout(() => reject(new Error(`The API process did not start in 60 s:\n${output.join('\n')}`)), 60_000).unref())]);
  const agent = () => new HttpAgent(url);
  return {
    url,
    output,
    agent,
    async signIn(email) {
      const signedIn = agent();
      const response = await signedIn.request('/auth/dev/sign-in', { form: { email } });
      if (response.status !== 303) throw new Error(`Sign-in as ${email} failed: ${response.status}`);
      return signedIn;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
