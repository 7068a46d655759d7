import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@steward/db';
import { addSignedInMember, subscribeOrganisation, useStewardApp, type SeededUser } from '@steward/test-kit';
import { createLogger } from '../../logger.js';
import { PURGE_QUEUE, purgeAllDue, startOrganisationPurgeWorker } from './purge.js';

/** Organisation lifecycle and info (seed 001 "General" and "Billing settings", SPEC §3). */

const steward = useStewardApp({ workers: false, fakeStripe: true, organisation: 'Acme' });
const unique = () => randomBytes(4).toString('hex');

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const call = <T>(user: SeededUser, path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => user.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Info {
  name: string;
  logo: { contentType: string; dataUrl: string } | null;
  billingEmail: string | null;
  billingAddress: string | null;
  taxId: string | null;
}

let organisationId: string;
let billingAdmin: SeededUser;
let userAdmin: SeededUser;
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>').toString('base64');

beforeAll(async () => {
  organisationId = steward.org.organisationId;
  billingAdmin = await addSignedInMember(steward.app, organisationId, 'billing@acme.example', 'billing_admin');
  userAdmin = await addSignedInMember(steward.app, organisationId, 'users@acme.example', 'user_admin');
});

describe('creating an organisation', () => {
  it('lets a signed-in person with no organisation create one: they are its admin, it has its global workspace, and it is audited', async () => {
    const email = `newcomer-${unique()}@example.org`;
    const agent = await steward.app.signIn(email);
    const newcomer = { id: '', email, agent };
    expect((await agent.trpc<{ organisations: unknown[] }>('me')).data.organisations).toEqual([]);
    const created = await call<{ id: string; name: string }>(newcomer, 'organisations.create', { name: '  Nimbus  ' });
    expect(created.error, created.text).toBeNull();
    expect(created.data.name).toBe('Nimbus');
    const me = await agent.trpc<{ organisations: { id: string; orgRole: string; workspaces: { kind: string; role: string }[] }[] }>('me');
    expect(me.data.organisations).toEqual([expect.objectContaining({ id: created.data.id, orgRole: 'admin', workspaces: [expect.objectContaining({ kind: 'global', role: 'admin' })] })]);
    const audit = await steward.db.selectFrom('audit_log').select(['action', 'actor_email']).where('organisation_id', '=', created.data.id).execute();
    expect(audit).toEqual([{ action: 'organisations.create', actor_email: email }]);
    // And from the switcher, a second one.
    expect((await call(newcomer, 'organisations.create', { name: 'Nimbus Labs' })).error).toBeNull();
    expect((await agent.trpc<{ organisations: unknown[] }>('me')).data.organisations).toHaveLength(2);
  });

  it('refuses an empty name, and an API key', async () => {
    expect((await call(steward.org.admin, 'organisations.create', { name: '   ' })).error?.data.code).toBe('BAD_REQUEST');
    const { key } = (await call<{ key: string }>(steward.org.admin, 'apiKeys.create', { organisationId, name: 'ci' })).data;
    const response = await fetch(`${steward.app.url}/trpc/organisations.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'By key' }),
    });
    expect(response.status).toBe(403);
  });
});

describe('organisation info', () => {
  it('lets admins change the name and the logo, checked against its declared type', async () => {
    const renamed = await call<Info>(steward.org.admin, 'organisations.update', { organisationId, name: 'Acme Ltd', logo: { contentType: 'image/svg+xml', data: SVG } });
    expect(renamed.error, renamed.text).toBeNull();
    expect(renamed.data).toMatchObject({ name: 'Acme Ltd', logo: { contentType: 'image/svg+xml', dataUrl: `data:image/svg+xml;base64,${SVG}` } });
    const wrongType = await call(steward.org.admin, 'organisations.update', { organisationId, logo: { contentType: 'image/png', data: SVG } });
    expect(wrongType.error).toMatchObject({ data: { code: 'BAD_REQUEST' }, message: 'The logo must be a PNG, JPEG or SVG file, and its content must match its type.' });
    expect((await call<Info>(steward.org.admin, 'organisations.update', { organisationId, logo: null })).data.logo).toBeNull();
    // Billing admins and user admins read it, and cannot rename it.
    expect((await call<Info>(userAdmin, 'organisations.get', { organisationId }, 'query')).data.name).toBe('Acme Ltd');
    expect((await call(billingAdmin, 'organisations.update', { organisationId, name: 'Mine' })).error?.data.code).toBe('FORBIDDEN');
  });

  it('lets admins and billing admins change the billing email, address and tax id; user admins only read them', async () => {
    const details = { organisationId, billingEmail: 'invoices@acme.example', billingAddress: '1 Rue de la Paix\n75002 Paris', taxId: 'FR 12 345678901' };
    const saved = await call<Info>(billingAdmin, 'organisations.updateBillingDetails', details);
    expect(saved.error, saved.text).toBeNull();
    expect(saved.data).toMatchObject({ billingEmail: 'invoices@acme.example', billingAddress: '1 Rue de la Paix\n75002 Paris', taxId: 'FR 12 345678901' });
    expect((await call(userAdmin, 'organisations.updateBillingDetails', details)).error?.data.code).toBe('FORBIDDEN');
    expect((await call<Info>(userAdmin, 'organisations.get', { organisationId }, 'query')).data.taxId).toBe('FR 12 345678901');
    const bad = await call(steward.org.admin, 'organisations.updateBillingDetails', { ...details, billingEmail: 'not an address', taxId: '<script>' });
    expect(bad.error?.data.code).toBe('BAD_REQUEST');
    expect(bad.error?.message).toContain('Enter a valid billing email address.');
    expect(bad.error?.message).toContain('A tax id holds letters, digits');
  });
});

describe('deleting an organisation', () => {
  it('cancels its subscription at the end of the period; once scheduled, the organisation answers only to restore, once', async () => {
    const owner = await steward.app.signIn(`owner-${unique()}@example.org`);
    const ownerUser = { id: '', email: '', agent: owner };
    const { id } = (await call<{ id: string }>(ownerUser, 'organisations.create', { name: 'Short-lived' })).data;
    const { subscriptionId } = await subscribeOrganisation(steward.app, id, { plan: 'professional' });
    const workspace = await steward.db
      .updateTable('workspaces')
      .set({ logo: Buffer.from(SVG, 'base64'), logo_content_type: 'image/svg+xml', logo_updated_at: new Date() })
      .where('organisation_id', '=', id)
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await owner.request(`/workspace-logos/${workspace.id}`)).status).toBe(200);
    expect((await call(ownerUser, 'organisations.delete', { organisationId: id, confirmName: 'Short-lived' })).error).toBeNull();
    expect((await owner.request(`/workspace-logos/${workspace.id}`)).status).toBe(404);
    expect(steward.stripe.subscriptions.get(subscriptionId)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    const again = await call(ownerUser, 'organisations.delete', { organisationId: id, confirmName: 'Short-lived' });
    expect(again.error?.data.code).toBe('NOT_FOUND');
    const restored = await call(ownerUser, 'organisations.restore', { organisationId: id });
    expect(restored.error).toBeNull();
    expect((await call(ownerUser, 'organisations.restore', { organisationId: id })).error?.data.code).toBe('CONFLICT');
  });

  it('is purged by the pg-boss job once the grace period is over', async () => {
    const owner = { id: '', email: '', agent: await steward.app.signIn(`purged-${unique()}@example.org`) };
    const { id } = (await call<{ id: string }>(owner, 'organisations.create', { name: 'Gone soon' })).data;
    expect((await call(owner, 'organisations.delete', { organisationId: id, confirmName: 'Gone soon' })).error).toBeNull();
    await startOrganisationPurgeWorker({ db: steward.db, config: steward.app.config, logger: createLogger('silent'), jobs: steward.app.jobs });
    // Seven days pass: for the organisation and for its queued job.
    await sql`update organisations set deletion_requested_at = now() - interval '7 days', purge_after = now() where id = ${id}::uuid`.execute(steward.db);
    await sql`update pgboss.job set start_after = now() where name = ${PURGE_QUEUE} and data->>'organisationId' = ${id}`.execute(steward.db);
    await expect
      .poll(async () => (await steward.db.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst()) ?? null, { timeout: 20_000, interval: 250 })
      .toBeNull();
    expect((await owner.agent.trpc('me')).error?.data.code).toBe('UNAUTHORIZED');
  });

  it('is purged by the hourly sweep when its own job is gone', async () => {
    const owner = { id: '', email: '', agent: await steward.app.signIn(`swept-${unique()}@example.org`) };
    const { id } = (await call<{ id: string }>(owner, 'organisations.create', { name: 'Swept' })).data;
    expect((await call(owner, 'organisations.delete', { organisationId: id, confirmName: 'Swept' })).error).toBeNull();
    await sql`delete from pgboss.job where name = ${PURGE_QUEUE} and data->>'organisationId' = ${id}`.execute(steward.db);
    const deps = { db: steward.db, config: steward.app.config, logger: createLogger('silent') };
    expect(await purgeAllDue(deps)).toBe(0);
    await sql`update organisations set deletion_requested_at = now() - interval '7 days', purge_after = now() where id = ${id}::uuid`.execute(steward.db);
    expect(await purgeAllDue(deps)).toBe(1);
    expect(await steward.db.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  });
});
