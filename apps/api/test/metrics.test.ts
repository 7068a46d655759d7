import { describe, expect, it } from 'vitest';
import { startTestApp, useStewardApp } from '@steward/test-kit';

const TOKEN = 'metrics-token-for-tests';
const steward = useStewardApp({ workers: false, organisation: 'Acme', env: { METRICS_TOKEN: TOKEN } });

describe('GET /metrics', () => {
  it('serves Prometheus metrics to the token only: requests per route, durations, the pool and the job queues', async () => {
    await fetch(`${steward.app.url}/healthz`);
    await steward.org.admin.agent.trpc('me');
    await fetch(`${steward.app.url}/api/v1/organisations/${steward.org.organisationId}/users`, { headers: { authorization: 'Bearer pai_invented' } });
    // Invented paths and procedures share one series each, whatever their names.
    for (const name of ['made-up-1', 'made-up-2']) {
      await fetch(`${steward.app.url}/trpc/${name}`);
      await fetch(`${steward.app.url}/api/v1/${name}/users`);
    }

    expect((await fetch(`${steward.app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${steward.app.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const response = await fetch(`${steward.app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/steward_http_requests_total\{route="\/healthz",method="GET",status="200"\} [1-9]/);
    expect(text).toMatch(/steward_http_requests_total\{route="\/trpc\/me",method="GET",status="200"\} [1-9]/);
    // Ids never become labels: one series per route pattern.
    expect(text).toMatch(/route="\/api\/v1\/organisations\/\{organisationId\}\/users",method="GET",status="401"/);
    expect(text).not.toContain(steward.org.organisationId);
    expect(text).not.toContain('made-up');
    expect(text).toContain('route="/trpc/(unknown)"');
    expect(text).toContain('route="/api/v1/(unknown)"');
    expect(text).toContain('steward_http_request_duration_seconds_bucket');
    expect(text).toMatch(/steward_db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/steward_jobs\{queue="invitation-email",state="queued"\} \d+/);
  });

  it('is not served at all without a token configured', async () => {
    const plain = await startTestApp({ database: steward.database, workers: false });
    try {
      expect((await fetch(`${plain.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
