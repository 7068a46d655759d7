import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningCluster } from '@steward/db';
import { startApiProcess, type ApiProcess } from '@steward/test-kit';
import { REPO_ROOT } from '../src/config.js';

const run = promisify(execFile);

// `npm start` without DATABASE_URL, in a folder only its owner can enter (a clone under /root
// or any `mktemp -d`): the embedded PostgreSQL must still start, serve, and come back after a crash.
let home: string;
let dataDir: string;
let api: ApiProcess;

beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-private-'));
  expect((await fs.stat(home)).mode & 0o777).toBe(0o700);
  dataDir = path.join(home, 'clone', '.data');
  api = await startApiProcess({ dataDir, env: { STEWARD_BOOTSTRAP_DEMO: 'off' } });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  const cluster = await fs.realpath(path.join(dataDir, 'postgres')).catch(() => null);
  if (cluster && !cluster.startsWith(home)) await fs.rm(cluster, { recursive: true, force: true });
  await fs.rm(home, { recursive: true, force: true });
});

async function clusterPid(): Promise<number> {
  const running = await runningCluster(await fs.realpath(path.join(dataDir, 'postgres')));
  if (!running) throw new Error(`The embedded PostgreSQL is not running:\n${api.output.slice(-15).join('\n')}`);
  return running.pid;
}

describe('the embedded PostgreSQL under npm start', () => {
  it('runs from a private folder, and /healthz is 200', async () => {
    const response = await fetch(`${api.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await clusterPid()).toBeGreaterThan(0);
  });

  it('lets the CLI work beside the running server, on the same cluster', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'apps/api/src/cli.ts', 'bootstrap', '--org', 'Beside', '--admin', 'admin@beside.example'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: '', STEWARD_DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'silent' },
    });
    expect(stdout).toContain('Created organisation "Beside"');
    // The server sees what the CLI wrote: the admin it named can sign in and finds the organisation.
    const admin = await api.signIn('admin@beside.example');
    const me = await admin.trpc<{ organisations: { name: string }[] }>('me');
    expect(me.data.organisations.map((o) => o.name)).toEqual(['Beside']);
  }, 60_000);

  it('comes back by itself after the database is killed with SIGKILL: /healthz is 200 again within 30 s', async () => {
    const before = await clusterPid();
    process.kill(before, 'SIGKILL');
    const killedAt = Date.now();
    let status = 0;
    while (Date.now() - killedAt < 30_000) {
      status = await fetch(`${api.url}/healthz`).then((r) => r.status, () => 0);
      const now = await runningCluster(await fs.realpath(path.join(dataDir, 'postgres')));
      // Backends of the killed server answer for a moment; only a new server counts.
      if (status === 200 && now && now.pid !== before) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status, api.output.slice(-20).join('\n')).toBe(200);
    expect(await clusterPid()).not.toBe(before);
    expect(api.output.join('\n')).toContain('The embedded PostgreSQL is running again');
  }, 45_000);
});
