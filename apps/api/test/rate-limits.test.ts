import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, useStewardApp, type ApiProcess } from '@steward/test-kit';

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
