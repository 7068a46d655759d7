import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startOidcServer, startTestApp, type OidcServer, type TestApp, type TestDatabase } from '@steward/test-kit';

let database: TestDatabase;
let oidc: OidcServer;
const apps: Record<string, TestApp> = {};

beforeAll(async () => {
  database = await createTestDatabase();
  oidc = await startOidcServer();
  apps.development = await startTestApp({ database, env: { NODE_ENV: 'development' } });
  apps.production = await startTestApp({
    database,
    env: { NODE_ENV: 'production', STEWARD_DEV_SIGN_IN: 'auto', PUBLIC_URL: 'https://steward.example', ...oidc.env() },
    // (startTestApp supplies STEWARD_SECRET_KEY, which production requires)
  });
});
afterAll(async () => {
  for (const app of Object.values(apps)) await app.close();
  await oidc.stop();
  await database.drop();
});

const STACK_LIKE = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+|"stack"/;

describe.each(['development', 'production'])('error responses in %s', (mode) => {
  const app = () => apps[mode]!;
  const origin = () => app().config.publicUrl.origin;

  async function expectClean(response: Response, status: number) {
    const body = await response.text();
    expect(response.status).toBe(status);
    expect(body).not.toMatch(STACK_LIKE);
    return body;
  }

  it('UNAUTHORIZED without a session', async () => {
    await expectClean(await fetch(`${app().url}/trpc/me`), 401);
  });

  it('NOT_FOUND for an unknown procedure', async () => {
    await expectClean(await fetch(`${app().url}/trpc/no.such.procedure`), 404);
  });

  it('400 for malformed JSON', async () => {
    const response = await fetch(`${app().url}/trpc/me`, { method: 'POST', headers: { 'content-type': 'application/json', origin: origin() }, body: '{"broken' });
    const body = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(body).not.toMatch(STACK_LIKE);
  });

  it('400 for a batch larger than the server allows', async () => {
    const calls = Array.from({ length: 50 }, () => 'me').join(',');
    const input = encodeURIComponent(JSON.stringify({}));
    await expectClean(await fetch(`${app().url}/trpc/${calls}?batch=1&input=${input}`), 400);
  });

  it('413 for a body over the cap', async () => {
    const response = await fetch(`${app().url}/trpc/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: origin() },
      body: JSON.stringify({ padding: 'x'.repeat(2_000_000) }),
    });
    await expectClean(response, 413);
  });

  it('404 JSON for an unknown API path', async () => {
    await expectClean(await fetch(`${app().url}/api/nothing-here`), 404);
  });
});

describe('security headers', () => {
  it('sends a CSP without inline script, nosniff, a referrer policy and frame denial', async () => {
    const response = await fetch(`${apps.development!.url}/healthz`);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});
