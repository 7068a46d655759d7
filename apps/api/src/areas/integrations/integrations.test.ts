import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, startTestApp, useStewardApp, type ApiProcess } from '@steward/test-kit';

const ENV_KEY = 'mlsn.key-from-the-environment';
const SAVED_KEY = 'mlsn.key-saved-by-an-admin-9876';

const steward = useStewardApp({ workers: false, fakeMailerSend: { apiKey: ENV_KEY }, organisation: 'Acme' });
let first: ApiProcess;
let second: ApiProcess;

beforeAll(async () => {
  const env = steward.mailer.env(ENV_KEY);
  const databaseUrl = steward.database.url;
  [first, second] = await Promise.all([startApiProcess({ databaseUrl, env }), startApiProcess({ databaseUrl, env })]);
}, 90_000);
afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
});

type Integrations = { mailersend: { apiKey: { source: string; mask: string | null }; fromEmail: { source: string; value: string } } };

describe('MailerSend credentials saved by an admin', () => {
  it('are used by the next email on every running instance, and reverting brings back the environment key, without restarts', async () => {
    const onFirst = await first.signIn(steward.org.admin.email);
    const onSecond = await second.signIn(steward.org.admin.email);
    const organisationId = steward.org.organisationId;

    const saved = await onFirst.trpc<Integrations>('integrations.saveMailerSend', { organisationId, apiKey: SAVED_KEY, fromEmail: 'team@acme.example' }, 'mutation');
    expect(saved.error, saved.text).toBeNull();
    expect(saved.data.mailersend.apiKey).toEqual({ source: 'saved', mask: '••••9876' });
    expect(saved.text).not.toContain(SAVED_KEY);

    // The invitation is made on the other instance; whichever instance runs the email job uses the saved key.
    await onSecond.trpc('invitations.create', { organisationId, email: 'first@example.org', orgRole: 'member' }, 'mutation');
    const [withSaved] = await steward.mailer.waitFor(1, 20_000);
    expect(withSaved!.authorization).toBe(`Bearer ${SAVED_KEY}`);
    expect(withSaved!.body.from?.email).toBe('team@acme.example');

    const reverted = await onSecond.trpc<Integrations>('integrations.revertMailerSend', { organisationId, setting: 'both' }, 'mutation');
    expect(reverted.data.mailersend.apiKey).toEqual({ source: 'environment', mask: `••••${ENV_KEY.slice(-4)}` });

    await onFirst.trpc('invitations.create', { organisationId, email: 'second@example.org', orgRole: 'member' }, 'mutation');
    const emails = await steward.mailer.waitFor(2, 20_000);
    expect(emails[1]!.authorization).toBe(`Bearer ${ENV_KEY}`);
    expect(emails[1]!.body.from?.email).toBe('steward@example.org');

    for (const instance of [first, second]) expect(instance.output.join('\n')).not.toContain(SAVED_KEY);
  }, 60_000);

  it('stores the key encrypted, never in plain text', async () => {
    const onFirst = await first.signIn(steward.org.admin.email);
    await onFirst.trpc('integrations.saveMailerSend', { organisationId: steward.org.organisationId, apiKey: SAVED_KEY }, 'mutation');
    const rows = await steward.database.db.selectFrom('integration_settings').selectAll().where('organisation_id', '=', steward.org.organisationId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ciphertext).toBeTruthy();
    expect(rows[0]!.key_version).toMatch(/^k[0-9a-f]{12}$/);
    expect(JSON.stringify(rows)).not.toContain(SAVED_KEY);
    expect(Buffer.from(rows[0]!.ciphertext!, 'base64').toString('latin1')).not.toContain('key-saved');
  });
});

describe('send test email', () => {
  it.each([
    [401, { message: 'Unauthenticated.' }, 'refused the API key'],
    [422, { message: 'The from.email domain must be verified in your account to send emails. #MS42207' }, 'not verified'],
    [429, { message: 'Too Many Attempts.' }, 'rate limiting'],
  ])('reports MailerSend answering %i in plain words', async (status, body, words) => {
    const admin = await first.signIn(steward.org.admin.email);
    steward.mailer.failNext(status, body);
    const result = await admin.trpc<{ ok: boolean; message: string; failure: string }>('integrations.sendTestEmail', { organisationId: steward.org.organisationId }, 'mutation');
    expect(result.data.ok).toBe(false);
    expect(result.data.message).toContain(words);
    expect(result.text).not.toContain(SAVED_KEY);
  });

  it('reports a network error when MailerSend cannot be reached', async () => {
    const offline = await startTestApp({ database: steward.database, workers: false, env: { MAILERSEND_API_KEY: ENV_KEY, MAILERSEND_BASE_URL: 'http://127.0.0.1:9/v1' } });
    try {
      const admin = await offline.signIn(steward.org.admin.email);
      await admin.trpc('integrations.revertMailerSend', { organisationId: steward.org.organisationId }, 'mutation');
      const result = await admin.trpc<{ ok: boolean; failure: string; message: string }>('integrations.sendTestEmail', { organisationId: steward.org.organisationId }, 'mutation');
      expect(result.data).toMatchObject({ ok: false, failure: 'network' });
      expect(result.data.message).toContain('could not be reached');
    } finally {
      await offline.close();
    }
  });

  it('sends to the admin and says MailerSend accepted it', async () => {
    const admin = await first.signIn(steward.org.admin.email);
    const before = steward.mailer.received.length;
    const result = await admin.trpc<{ ok: boolean; message: string }>('integrations.sendTestEmail', { organisationId: steward.org.organisationId }, 'mutation');
    expect(result.data).toMatchObject({ ok: true });
    expect(steward.mailer.received[before]!.body.to).toEqual([{ email: steward.org.admin.email }]);
  });

  it('validates the From address as an email', async () => {
    const admin = await first.signIn(steward.org.admin.email);
    const result = await admin.trpc('integrations.saveMailerSend', { organisationId: steward.org.organisationId, fromEmail: 'not an email' }, 'mutation');
    expect(result.status).toBe(400);
    expect(result.error?.message).toContain('From address must be an email');
  });
});
