import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { startApiProcess, useStewardApp, type ApiProcess } from '@steward/test-kit';
import { limiterFor } from '../src/rate-limit.js';

// Two API processes behind one database, as behind a load balancer: one limit, not one each.
const steward = useStewardApp({ workers: false, organisation: 'Acme' });
let first: ApiProcess;
let second: ApiProcess;

beforeAll(async () => {
  const env = { REST_RATE_LIMIT_PER_MINUTE: '6' };
  [first, second] = await Promise.all([startApiProcess({ databaseUrl: steward.database.url, env }), startApiProcess({ databaseUrl: steward.database.url, env })]);
}, 90_000);
afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
});

describe('rate limits across instances', () => {
  it('counts one key against one limit on both processes', async () => {
    const created = await steward.org.admin.agent.trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'shared', scope: 'read' }, 'mutation');
    const key = created.data.key;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const instance = i % 2 === 0 ? first : second;
      statuses.push((await fetch(`${instance.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status);
    }
    // Six allowed in all (three on each), not six on each.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
    const refused = await fetch(`${first.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('a high shared limit', () => {
  it('lets two instances together through at most 1 % more than the limit, all of it in the shared counter', async () => {
    const limit = { name: 'batched', windowMs: 60_000, max: 1_000 };
    const [one, two] = [limiterFor(steward.db, limit), limiterFor(steward.db, limit)];
    let allowed = 0;
    let refused = 0;
    for (let i = 0; i < 1_200; i++) {
      try {
        await (i % 2 ? one : two).consume('one key');
        allowed++;
      } catch {
        refused++;
      }
    }
    // Each instance may let through up to 1 % of the limit (10) that the other had not yet written.
    expect(allowed).toBeGreaterThanOrEqual(1_000);
    expect(allowed).toBeLessThanOrEqual(1_010);
    expect(refused).toBe(1_200 - allowed);
    // Batches reach the shared counter within a moment, and it counts everything both let through.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const row = await sql<{ points: number }>`select points from rate_limits where key = ${'batched:1000/60s:one key'}`.execute(steward.db);
    expect(row.rows[0]!.points).toBeGreaterThanOrEqual(allowed);
  });

  it('counts every point in the database under 100 a window', async () => {
    const limit = { name: 'exact', windowMs: 60_000, max: 50 };
    const [one, two] = [limiterFor(steward.db, limit), limiterFor(steward.db, limit)];
    const outcomes = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => (i % 2 ? one : two).consume('k')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(50);
  });
});
