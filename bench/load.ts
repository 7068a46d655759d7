import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { findFreePort } from '@steward/db';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `connections` clients hammering one request for `seconds`; every answer must be 2xx. */
export async function measureLoad(options: { url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; connections: number; seconds: number }): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections,
    duration: options.seconds,
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

/** A server script run on its own Node process (the same Node as this one), ready when it prints `readyLine`. */
/**
 * The Node flags of the production start (`npm run start:production` in package.json): young
 * generation capped at 16 MB per semi-space. Node 24 lets it grow to 64 MB while a CSV import
 * allocates steadily, holding ~100 MB more for no gain in speed. Old generation capped at 256 MB:
 * with no cap V8 sizes its limit from the machine's memory and lets the garbage of a long steady
 * job (a campaign's bulk requests, ~2 MB each) pile up to 400 MB before collecting; the live heap
 * stays under 100 MB.
 */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=16', '--max-old-space-size=256'];

/** The production build of the API (apps/api/dist), built now so that it is current. */
export async function buildProductionServer(): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, ['build.mjs'], { cwd: path.join(REPO_ROOT, 'apps/api'), stdio: 'inherit' });
  return 'apps/api/dist/main.js';
}

/** BENCH_NODE_FLAGS (e.g. `--perf-basic-prof` for `perf`) go to every server a bench starts, Steward's and the baseline's alike. */
const extraNodeFlags = () => (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

export async function startServerProcess(script: string, env: Record<string, string>, readyLine: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await findFreePort();
  // Compiled JavaScript (the production build) runs as is; TypeScript through tsx.
  const child: ChildProcess = spawn(process.execPath, script.endsWith('.js') ? [...PRODUCTION_NODE_FLAGS, ...extraNodeFlags(), script] : ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(readyLine)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export const format = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 0 });

/** CPU time (user + system, in ms) a process has used so far, from /proc (Linux). */
export async function cpuMsOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * CPU time (ms) used so far by a process and its children: the live ones, and those that exited
 * and were waited for (e.g. PostgreSQL's parallel workers, under the postmaster). From /proc (Linux).
 */
export async function treeCpuMsOf(pid: number): Promise<number> {
  const { readFile, readdir } = await import('node:fs/promises');
  const fieldsOf = async (id: number | string) => (await readFile(`/proc/${id}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ') ?? [];
  const root = await fieldsOf(pid);
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    const fields = await fieldsOf(entry);
    if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / 100;
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in MB, from /proc (Linux). */
export async function memoryOf(pid: number): Promise<{ peakMb: number; nowMb: number }> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMb: kb('VmHWM') / 1024, nowMb: kb('VmRSS') / 1024 };
}

export interface ThroughputComparison {
  steward: { requestsPerSecond: number; last: LoadResult; cpuMsPerRequest: number };
  bare: { requestsPerSecond: number; last: LoadResult; cpuMsPerRequest: number };
  ratio: number;
}

/**
 * Steward against its bare baseline under the same load: both warmed (JIT, pools, plans), then
 * measured in alternating rounds so neither gets the quieter moment, with the CPU each server
 * process used per request (from /proc). Throws if any request failed.
 */
export async function compareThroughput(options: {
  steward: { url: string; pid: number };
  bare: { url: string; pid: number };
  request: (base: string) => Omit<Parameters<typeof measureLoad>[0], 'seconds'>;
  seconds: number;
  rounds: number;
}): Promise<ThroughputComparison> {
  const sides = { steward: options.steward, bare: options.bare };
  for (const server of Object.values(sides)) await measureLoad({ ...options.request(server.url), seconds: 2 });
  const results = { steward: [] as LoadResult[], bare: [] as LoadResult[] };
  const cpuMs = { steward: 0, bare: 0 };
  for (let round = 0; round < options.rounds; round++) {
    for (const side of ['bare', 'steward'] as const) {
      const before = await cpuMsOf(sides[side].pid);
      const result = await measureLoad({ ...options.request(sides[side].url), seconds: options.seconds });
      cpuMs[side] += ((await cpuMsOf(sides[side].pid)) - before) / (result.requestsPerSecond * options.seconds) / options.rounds;
      results[side].push(result);
    }
  }
  const errors = [...results.steward, ...results.bare].reduce((sum, r) => sum + r.errors, 0);
  if (errors > 0) throw new Error(`${errors} requests failed during the throughput measurement`);
  const summary = (side: 'steward' | 'bare') => ({
    requestsPerSecond: results[side].reduce((sum, r) => sum + r.requestsPerSecond, 0) / results[side].length,
    last: results[side].at(-1)!,
    cpuMsPerRequest: cpuMs[side],
  });
  const [steward, bare] = [summary('steward'), summary('bare')];
  return { steward, bare, ratio: steward.requestsPerSecond / bare.requestsPerSecond };
}

/** The lines every throughput benchmark prints: both sides, the ratio against its target, CPU per request. */
export function printThroughput(label: string, comparison: ThroughputComparison, target: number) {
  const line = (name: string, side: ThroughputComparison['steward']) =>
    `  ${name.padEnd(52)} ${format(side.requestsPerSecond).padStart(6)} req/s   p50 ${side.last.p50} ms, p99 ${side.last.p99} ms`;
  console.log(line(`Steward ${label}`, comparison.steward));
  console.log(line('bare Express + pg (baseline)', comparison.bare));
  console.log(`  ${'ratio'.padEnd(52)} ${comparison.ratio.toFixed(2)}x the baseline (target ≥ ${target}: ${comparison.ratio >= target ? 'met' : 'MISSED'})`);
  console.log(
    `  server CPU per request: Steward ${(comparison.steward.cpuMsPerRequest * 1000).toFixed(0)} µs, bare ${(comparison.bare.cpuMsPerRequest * 1000).toFixed(0)} µs (the rest is PostgreSQL and the load generator, on the same cores)`,
  );
}
