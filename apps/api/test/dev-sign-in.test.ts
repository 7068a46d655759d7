import { describe, expect, it } from 'vitest';
import { useStewardApp } from '@steward/test-kit';
import { createOrganisation } from '../src/areas/organisations/bootstrap.js';

const steward = useStewardApp({ env: { STEWARD_DEV_SIGN_IN: 'auto' } });

describe('development sign-in', () => {
  it('serves a form with a clear development banner', async () => {
    const response = await fetch(`${steward.app.url}/auth/dev`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Development sign-in');
    expect(html).toContain('action="/auth/dev/sign-in"');
  });

  it('sends a page opened at another host name (localhost for 127.0.0.1) to the public URL, where sign-in works', async () => {
    const publicUrl = new URL(steward.app.url);
    const elsewhere = `http://localhost:${publicUrl.port}`;
    const response = await fetch(`${elsewhere}/auth/dev?next=%2Fusers`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${publicUrl.origin}/auth/dev?next=%2Fusers`);
    // Never to another site, whatever the path looks like.
    const sneaky = await fetch(`${elsewhere}//evil.example/x`, { redirect: 'manual' });
    expect(new URL(sneaky.headers.get('location')!).origin).toBe(publicUrl.origin);
    // Health checks and API calls are answered where they arrive.
    expect((await fetch(`${elsewhere}/healthz`, { redirect: 'manual' })).status).toBe(200);
  });

  it('signs in as any email and remembers the last sign-in time', async () => {
    const agent = await steward.app.signIn('Linus@Example.org');
    const me = await agent.trpc<{ user: { email: string; name: string } }>('me');
    expect(me.data.user).toMatchObject({ email: 'linus@example.org', name: 'Linus' });
    const row = await steward.app.db.selectFrom('users').select('last_sign_in_at').where('email', '=', 'linus@example.org').executeTakeFirstOrThrow();
    expect(row.last_sign_in_at).toBeInstanceOf(Date);
  });

  it('answers 400 with a message for an invalid email', async () => {
    const response = await steward.app.agent().request('/auth/dev/sign-in', { form: { email: 'not-an-email' } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('valid email');
  });

  it('refuses a sign-in form posted from another origin (login CSRF)', async () => {
    const response = await steward.app.agent().request('/auth/dev/sign-in', { form: { email: 'x@example.org' }, origin: 'https://evil.example' });
    expect(response.status).toBe(403);
  });

  it('refuses a sign-in form posted with no Origin or Referer', async () => {
    const response = await steward.app.agent().request('/auth/dev/sign-in', { form: { email: 'x@example.org' }, origin: null });
    expect(response.status).toBe(403);
  });

  it('makes the bootstrap admin a member of their organisation at first sign-in', async () => {
    const { organisationId } = await createOrganisation(steward.app.db, { name: 'Acme', adminEmail: 'founder@acme.example' });
    const agent = await steward.app.signIn('founder@acme.example');
    const me = await agent.trpc<{ organisations: { id: string; name: string; orgRole: string; permissions: string[] }[] }>('me');
    expect(me.data.organisations).toMatchObject([{ id: organisationId, name: 'Acme', orgRole: 'admin' }]);
    expect(me.data.organisations[0]!.permissions).toContain('users.manageAnyRole');
    const global = await steward.app.db.selectFrom('workspaces').select(['kind', 'slug']).where('organisation_id', '=', organisationId).execute();
    expect(global).toEqual([{ kind: 'global', slug: 'global' }]);
  });
});
