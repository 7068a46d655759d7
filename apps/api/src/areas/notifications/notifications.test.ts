import { randomBytes } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actorFor, addSignedInMember, insertContacts, type SeededUser, seedOrganisation, useStewardApp } from '@steward/test-kit';
import { createLogger } from '../../logger.js';
import { generateApiKey } from '../../auth/api-keys.js';
import { storeImportFile } from '../records/import/csv-file.js';
import { inviteUser } from '../users/invitations.js';
import { eventsOfScope, NOTIFICATION_EVENTS } from './catalogue.js';
import { API_KEY_EXPIRY_SCAN_CRON, deliverNotification, NOTIFICATION_CLEANUP_CRON, NOTIFICATION_RETENTION_DAYS, notifyExpiringApiKeys, pruneNotifications } from './delivery.js';

/** Through the app's own job workers (pg-boss) and the MailerSend stand-in, as in production. */
const steward = useStewardApp({ fakeMailerSend: true, organisation: 'Acme' });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(user: SeededUser, path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => user.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Item {
  id: string;
  event: string;
  title: string;
  body: string;
  path: string;
  workspaceId: string | null;
  readAt: string | null;
}
const centre = async (user: SeededUser, input: Record<string, unknown> = {}) =>
  ok(await call<{ items: Item[]; unread: number; nextCursor: string | null }>(user, 'notifications.list', { organisationId: steward.org.organisationId, ...input }, 'query'));

/** Waits until every notification has been through its delivery job (the channel decided, the email sent or failed). */
async function settled(timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { n } = await steward.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where((eb) => eb.or([eb('state', '=', 'pending'), eb('email_state', '=', 'pending')]))
      .executeTakeFirstOrThrow();
    if (Number(n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} notifications still pending`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const emailsTo = (address: string) => steward.mailer.received.filter((r) => r.body.to?.some((t) => t.email === address));

let workspaceId: string;
let otherWorkspaceId: string;
let owner: SeededUser;
let colleague: SeededUser;
let stages: { id: string; name: string }[];

async function newWorkspace(name: string) {
  return ok(await call<{ id: string }>(steward.org.admin, 'workspaces.create', { organisationId: steward.org.organisationId, name, slug: `${name.toLowerCase()}-${randomBytes(3).toString('hex')}` })).id;
}

async function dealOwnedBy(userId: string, name = `Deal ${randomBytes(3).toString('hex')}`, where = workspaceId) {
  return ok(await call<{ id: string; stageId: string }>(steward.org.admin, 'deals.create', { workspaceId: where, name, amount: 1000, currency: 'EUR', ownerUserId: userId }));
}

const moveDeal = (by: SeededUser, dealId: string, stageId: string, where = workspaceId) => call(by, 'deals.update', { workspaceId: where, dealId, stageId });

const setWorkspacePreference = async (user: SeededUser, event: string, channel: string, where = workspaceId) =>
  ok(await call(user, 'notifications.setWorkspacePreference', { workspaceId: where, event, channel }));

beforeAll(async () => {
  workspaceId = await newWorkspace('Sales');
  otherWorkspaceId = await newWorkspace('Support');
  owner = await addSignedInMember(steward.app, steward.org.organisationId, 'owner@acme.example', 'member', [
    { workspaceId, role: 'member' },
    { workspaceId: otherWorkspaceId, role: 'member' },
  ]);
  colleague = await addSignedInMember(steward.app, steward.org.organisationId, 'colleague@acme.example', 'member', [{ workspaceId, role: 'admin' }]);
  stages = ok(await call<{ stages: { id: string; name: string }[] }>(owner, 'pipeline.list', { workspaceId }, 'query')).stages;
});

beforeEach(async () => {
  await settled();
  steward.mailer.reset();
  await steward.db.deleteFrom('notifications').execute();
  await steward.db.deleteFrom('notification_preferences').execute();
});

describe('a deal moved to another stage', () => {
  it('gives its owner exactly one in-app notification, and no email while the preference is in-app (the default)', async () => {
    expect(NOTIFICATION_EVENTS['deal.stage_changed'].defaultChannel).toBe('in_app');
    const deal = await dealOwnedBy(owner.id, 'Acme renewal');
    ok(await moveDeal(colleague, deal.id, stages[2]!.id));
    await settled();
    const { items, unread } = await centre(owner);
    expect(items).toHaveLength(1);
    expect(unread).toBe(1);
    expect(items[0]).toMatchObject({ event: 'deal.stage_changed', workspaceId, readAt: null, title: `Acme renewal moved to ${stages[2]!.name}` });
    expect(items[0]!.body).toContain(`from ${stages[0]!.name} to ${stages[2]!.name}`);
    expect(items[0]!.body).toMatch(/^Colleague moved your deal Acme renewal/);
    expect(emailsTo(owner.email)).toHaveLength(0);
  });

  it('with "both" chosen: one in-app notification and one email through MailerSend', async () => {
    await setWorkspacePreference(owner, 'deal.stage_changed', 'both');
    const deal = await dealOwnedBy(owner.id, 'Both ways');
    ok(await moveDeal(colleague, deal.id, stages[1]!.id));
    await settled();
    expect((await centre(owner)).items).toHaveLength(1);
    const emails = emailsTo(owner.email);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.body.subject).toBe(`Both ways moved to ${stages[1]!.name}`);
    expect(emails[0]!.body.text).toContain(`/orgs/${steward.org.organisationId}/deals/`);
    expect(emails[0]!.body.html).toContain('notification preferences');
  });

  it('with "email" chosen: one email and nothing in the notification centre', async () => {
    await setWorkspacePreference(owner, 'deal.stage_changed', 'email');
    const deal = await dealOwnedBy(owner.id);
    ok(await moveDeal(colleague, deal.id, stages[3]!.id));
    await settled();
    expect(emailsTo(owner.email)).toHaveLength(1);
    expect(await centre(owner)).toMatchObject({ items: [], unread: 0 });
  });

  it('with "off" chosen: neither a notification nor an email', async () => {
    await setWorkspacePreference(owner, 'deal.stage_changed', 'off');
    const deal = await dealOwnedBy(owner.id);
    ok(await moveDeal(colleague, deal.id, stages[1]!.id));
    await settled();
    expect(await centre(owner)).toMatchObject({ items: [], unread: 0 });
    expect(steward.mailer.received).toHaveLength(0);
    // The event was seen and decided, not lost: the delivery recorded "off".
    expect(await steward.db.selectFrom('notifications').select(['state', 'channel', 'in_app', 'email_state']).execute()).toEqual([{ state: 'delivered', channel: 'off', in_app: false, email_state: 'none' }]);
  });

  it('follows the preference of the workspace where it happened', async () => {
    await setWorkspacePreference(owner, 'deal.stage_changed', 'off', otherWorkspaceId);
    const deal = await dealOwnedBy(owner.id);
    ok(await moveDeal(colleague, deal.id, stages[1]!.id));
    await settled();
    expect((await centre(owner)).items).toHaveLength(1);
  });

  it('tells nobody when the owner moves it themself, when another field changes, or when the deal has no owner', async () => {
    const own = ok(await call<{ id: string }>(owner, 'deals.create', { workspaceId, name: 'Mine', ownerUserId: owner.id }));
    ok(await moveDeal(owner, own.id, stages[1]!.id));
    const deal = await dealOwnedBy(owner.id);
    ok(await call(colleague, 'deals.update', { workspaceId, dealId: deal.id, amount: 5 }));
    ok(await call(colleague, 'deals.update', { workspaceId, dealId: deal.id, stageId: deal.stageId }));
    const unowned = ok(await call<{ id: string }>(colleague, 'deals.create', { workspaceId, name: 'Nobody’s' }));
    ok(await moveDeal(colleague, unowned.id, stages[1]!.id));
    await settled();
    expect(await steward.db.selectFrom('notifications').select('id').execute()).toEqual([]);
  });

  it('is not written when the move is refused (the notification commits with the change, or not at all)', async () => {
    const deal = await dealOwnedBy(colleague.id);
    const refused = await moveDeal(owner, deal.id, stages[1]!.id);
    expect(refused.error?.data.code).toBe('FORBIDDEN');
    expect(await steward.db.selectFrom('notifications').select('id').execute()).toEqual([]);
  });

  it('keeps up with a burst, and a MailerSend failure during it sends nobody a second email', async () => {
    await setWorkspacePreference(owner, 'deal.stage_changed', 'both');
    const deals = await Promise.all(Array.from({ length: 40 }, (_, i) => dealOwnedBy(owner.id, `Burst ${i}`)));
    steward.mailer.failNext(503, { message: 'Service Unavailable' });
    for (const deal of deals) ok(await moveDeal(colleague, deal.id, stages[1]!.id));
    const movedAt = Date.now();
    await settled(20_000);
    // One job per polling interval (0.5 s here) would take 20 s; batches fetched back to back take well under that,
    // even with the retry (1 s) the failed email's batch waits for.
    expect(Date.now() - movedAt).toBeLessThan(12_000);
    expect((await centre(owner, { limit: 50 })).items).toHaveLength(40);
    const subjects = emailsTo(owner.email).map((e) => e.body.subject);
    expect(subjects).toHaveLength(40);
    expect(new Set(subjects).size).toBe(40);
  });

  it('reads the preference when it is delivered, not when it happened', async () => {
    const logger = createLogger('error', () => {});
    const deal = await dealOwnedBy(owner.id);
    // A notification still waiting for its job; the owner turns the event off meanwhile.
    const waiting = await steward.db
      .insertInto('notifications')
      .values({ organisation_id: steward.org.organisationId, workspace_id: workspaceId, user_id: owner.id, event: 'deal.stage_changed', payload: JSON.stringify({ dealId: deal.id, dealName: 'Late', fromStage: null, toStage: 'Won', movedBy: 'Someone' }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await setWorkspacePreference(owner, 'deal.stage_changed', 'off');
    const outcome = await deliverNotification({ ...steward.app, logger }, { notificationId: waiting.id, retryCount: 0, retryLimit: 0 });
    expect(outcome).toEqual({ channel: 'off', email: 'none' });
    // Run again (a retried job): still nothing.
    expect(await deliverNotification({ ...steward.app, logger }, { notificationId: waiting.id, retryCount: 1, retryLimit: 1 })).toEqual({ channel: 'off', email: 'none' });
    expect(await centre(owner)).toMatchObject({ items: [], unread: 0 });
    expect(steward.mailer.received).toHaveLength(0);
  });

  it('does not retry an email the owner no longer wants', async () => {
    const logger = createLogger('error', () => {});
    await setWorkspacePreference(owner, 'deal.stage_changed', 'both');
    const waiting = await steward.db
      .insertInto('notifications')
      .values({ organisation_id: steward.org.organisationId, workspace_id: workspaceId, user_id: owner.id, event: 'deal.stage_changed', payload: JSON.stringify({ dealId: 'd', dealName: 'Retried', fromStage: null, toStage: 'Won', movedBy: 'Someone' }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    steward.mailer.failNext(503, { message: 'Service Unavailable' });
    await expect(deliverNotification({ ...steward.app, logger }, { notificationId: waiting.id, retryCount: 0, retryLimit: 2 })).rejects.toThrow(/MailerSend had a problem/);
    await setWorkspacePreference(owner, 'deal.stage_changed', 'in_app');
    expect(await deliverNotification({ ...steward.app, logger }, { notificationId: waiting.id, retryCount: 1, retryLimit: 2 })).toEqual({ channel: 'both', email: 'none' });
    expect(steward.mailer.received).toHaveLength(0);
    expect((await centre(owner)).items).toHaveLength(1);
  });

  it('is not delivered to an owner who has since left the workspace', async () => {
    const leaver = await addSignedInMember(steward.app, steward.org.organisationId, `leaver-${randomBytes(3).toString('hex')}@acme.example`, 'member', [{ workspaceId, role: 'member' }]);
    await setWorkspacePreference(leaver, 'deal.stage_changed', 'both');
    const deal = await dealOwnedBy(leaver.id);
    await steward.db.transaction().execute(async (trx) => {
      await trx.updateTable('deals').set({ stage_id: stages[1]!.id }).where('id', '=', deal.id).execute();
      await trx.deleteFrom('workspace_memberships').where('user_id', '=', leaver.id).execute();
    });
    ok(await moveDeal(colleague, deal.id, stages[2]!.id));
    await settled();
    expect(await steward.db.selectFrom('notifications').select(['user_id', 'state']).execute()).toEqual([{ user_id: leaver.id, state: 'skipped' }]);
    expect(emailsTo(leaver.email)).toHaveLength(0);
  });
});

describe('the other events', () => {
  it('invitation accepted: the person who invited hears of it', async () => {
    const email = `joiner-${randomBytes(3).toString('hex')}@example.org`;
    ok(await call(colleague, 'team.invite', { workspaceId, email, role: 'member' }));
    const [invitationEmail] = await steward.mailer.waitFor(1);
    const token = new URL(/https?:\/\/\S+/.exec(invitationEmail!.body.text!)![0]).searchParams.get('token')!;
    const joiner = await steward.app.signIn(email, 'Jo Iner');
    expect((await joiner.trpc('invitations.accept', { token }, 'mutation')).error).toBeNull();
    await settled();
    const { items } = await centre(colleague);
    expect(items).toMatchObject([{ event: 'invitation.accepted', workspaceId: null, title: 'Jo Iner joined Acme' }]);
    expect(items[0]!.body).toContain(email);
  });

  it('import finished: whoever started it hears how it went', async () => {
    const file = await storeImportFile(steward.db, { organisationId: steward.org.organisationId, workspaceId, userId: owner.id, apiKeyId: null }, 'people.csv', [
      Buffer.from('Email,First name\nann@import.example,Ann\nbob@import.example,Bob\nnot-an-email,Bad\n'),
    ]);
    ok(await call(owner, 'contacts.imports.start', { workspaceId, importId: file.id, mapping: [{ builtIn: 'email' }, { builtIn: 'firstName' }] }));
    const deadline = Date.now() + 15_000;
    while ((await steward.db.selectFrom('notifications').select('id').execute()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await settled();
    const { items } = await centre(owner);
    expect(items).toMatchObject([{ event: 'import.finished', workspaceId, title: 'Import of people.csv finished' }]);
    expect(items[0]!.body).toContain('2 contacts created');
    expect(items[0]!.body).toContain('1 row rejected');
  });

  it('campaign sent, and campaign failed: its creator hears of each (failures by email too, by default)', async () => {
    const categoryId = ok(await call<{ id: string }>(colleague, 'emailCategories.create', { workspaceId, name: `News ${randomBytes(3).toString('hex')}`, subscribedByDefault: true })).id;
    await insertContacts(steward.db, steward.org.organisationId, workspaceId, 3);
    const campaign = async (name: string) => ok(await call<{ id: string }>(colleague, 'campaigns.create', { workspaceId, name, subject: 'Hi', textBody: 'Hello', categoryId })).id;
    const ended = async (campaignId: string) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { state } = await steward.db.selectFrom('campaigns').select('state').where('id', '=', campaignId).executeTakeFirstOrThrow();
        if (state !== 'sending' || Date.now() > deadline) return state;
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    const sent = await campaign('Spring news');
    ok(await call(colleague, 'campaigns.send', { workspaceId, campaignId: sent }));
    expect(await ended(sent)).toBe('sent');
    await settled();
    expect((await centre(colleague)).items).toMatchObject([{ event: 'campaign.sent', title: 'Campaign Spring news sent' }]);
    expect(emailsTo(colleague.email)).toHaveLength(0);

    const failing = await campaign('Summer news');
    steward.mailer.failNext(401, { message: 'Unauthenticated.' });
    ok(await call(colleague, 'campaigns.send', { workspaceId, campaignId: failing }));
    expect(await ended(failing)).toBe('failed');
    await settled();
    const { items } = await centre(colleague);
    expect(items[0]).toMatchObject({ event: 'campaign.failed', title: 'Campaign Summer news failed' });
    expect(items[0]!.body).toContain('MailerSend refused the API key');
    expect(emailsTo(colleague.email).map((e) => e.body.subject)).toEqual(['Campaign Summer news failed']);
  });

  it('API key expiring within 7 days: its owner hears of it once per expiry date, from a daily schedule', async () => {
    const key = async (name: string, days: number, extra: { revoked_at?: Date } = {}) => {
      const { prefix, hash } = generateApiKey();
      return (
        await steward.db
          .insertInto('api_keys')
          .values({ organisation_id: steward.org.organisationId, user_id: owner.id, name, prefix, key_hash: hash, expires_at: new Date(Date.now() + days * 86_400_000), ...extra })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    };
    const soon = await key('Soon', 3);
    await key('Later', 30);
    await key('Expired', -1);
    await key('Revoked', 2, { revoked_at: new Date() });

    const deps = { db: steward.db, jobs: steward.app.jobs };
    expect(await notifyExpiringApiKeys(deps)).toBe(1);
    expect(await notifyExpiringApiKeys(deps)).toBe(0);
    await settled();
    const { items } = await centre(owner);
    expect(items).toMatchObject([{ event: 'api_key.expiring', workspaceId: null, title: 'API key Soon expires soon', path: `/orgs/${steward.org.organisationId}/api-keys` }]);
    expect(emailsTo(owner.email).map((e) => e.body.subject)).toEqual(['API key Soon expires soon']);

    // A new expiry date is announced again.
    await steward.db.updateTable('api_keys').set({ expires_at: new Date(Date.now() + 5 * 86_400_000) }).where('id', '=', soon).execute();
    expect(await notifyExpiringApiKeys(deps)).toBe(1);

    const schedules = await steward.app.jobs.boss.getSchedules();
    expect(schedules).toContainEqual(expect.objectContaining({ name: 'api-key-expiry-scan', cron: API_KEY_EXPIRY_SCAN_CRON }));
  });
});

describe('the notification centre', () => {
  async function notify(user: SeededUser, count: number) {
    const deal = await dealOwnedBy(user.id);
    for (let i = 0; i < count; i++) ok(await moveDeal(steward.org.admin, deal.id, stages[(i % 4) + 1]!.id));
    await settled();
  }

  it('marks one read, then all read, and the unread count follows', async () => {
    await notify(owner, 3);
    const { items, unread } = await centre(owner);
    expect(unread).toBe(3);
    expect(ok(await call<{ unread: number }>(owner, 'notifications.unreadCount', { organisationId: steward.org.organisationId }, 'query')).unread).toBe(3);
    expect(ok(await call(owner, 'notifications.markRead', { organisationId: steward.org.organisationId, notificationIds: [items[0]!.id] }))).toEqual({ marked: 1, unread: 2 });
    const after = await centre(owner);
    expect(after.items.find((i) => i.id === items[0]!.id)!.readAt).not.toBeNull();
    expect((await centre(owner, { filter: 'unread' })).items.map((i) => i.id)).toEqual(items.slice(1).map((i) => i.id));
    expect(ok(await call(owner, 'notifications.markAllRead', { organisationId: steward.org.organisationId }))).toEqual({ marked: 2, unread: 0 });
    expect((await centre(owner)).unread).toBe(0);
  });

  it('pages newest first', async () => {
    await notify(owner, 5);
    const first = await centre(owner, { limit: 2 });
    const second = await centre(owner, { limit: 2, cursor: first.nextCursor });
    const third = await centre(owner, { limit: 2, cursor: second.nextCursor });
    expect(third.nextCursor).toBeNull();
    const all = (await centre(owner)).items.map((i) => i.id);
    expect([...first.items, ...second.items, ...third.items].map((i) => i.id)).toEqual(all);
    expect(all).toHaveLength(5);
  });

  it("never shows one person another's notifications, nor lets them mark them", async () => {
    await notify(owner, 1);
    await notify(colleague, 2);
    const mine = await centre(owner);
    expect(mine.items).toHaveLength(1);
    expect((await centre(colleague)).items).toHaveLength(2);
    const refused = await call(colleague, 'notifications.markRead', { organisationId: steward.org.organisationId, notificationIds: [mine.items[0]!.id] });
    expect(refused.error?.data.code).toBe('NOT_FOUND');
    ok(await call(colleague, 'notifications.markAllRead', { organisationId: steward.org.organisationId }));
    expect((await centre(owner)).unread).toBe(1);
    // Another organisation's admin: not found, whatever the id.
    const outsider = await seedOrganisation(steward.app, `Other ${randomBytes(3).toString('hex')}`);
    const list = await call(outsider.admin, 'notifications.list', { organisationId: steward.org.organisationId }, 'query');
    expect(list.error?.data.code).toBe('NOT_FOUND');
    expect((await call<{ items: Item[] }>(outsider.admin, 'notifications.list', { organisationId: outsider.organisationId }, 'query')).data.items).toEqual([]);
  });

  it('is on the REST surface for a bearer key, which reads and marks only its owner’s notifications', async () => {
    await notify(owner, 2);
    await notify(colleague, 1);
    const keyOf = async (scope: string) => ok(await call<{ key: string }>(owner, 'apiKeys.create', { organisationId: steward.org.organisationId, name: `notifications ${scope}`, scope })).key;
    const rest = (key: string, method: string, path: string, body?: unknown) =>
      fetch(`${steward.app.url}/api/v1/organisations/${steward.org.organisationId}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const read = await keyOf('read');
    const listed = await rest(read, 'GET', '/notifications?filter=all&limit=10');
    expect(listed.status).toBe(200);
    const { items, unread } = (await listed.json()) as { items: Item[]; unread: number };
    expect(items).toHaveLength(2);
    expect(unread).toBe(2);
    expect(await (await rest(read, 'GET', '/notifications/unread-count')).json()).toEqual({ unread: 2 });
    // A read key may not mark, nor a read_write key (it changes records, never anything else); an admin key marks the owner's only.
    expect((await rest(read, 'POST', '/notifications/read-all', {})).status).toBe(403);
    expect((await rest(await keyOf('read_write'), 'POST', '/notifications/read-all', {})).status).toBe(403);
    const write = await keyOf('admin');
    expect((await rest(write, 'POST', '/notifications/read', { notificationIds: [items[0]!.id] })).status).toBe(200);
    expect(((await (await rest(write, 'GET', '/notifications?filter=unread')).json()) as { items: Item[] }).items.map((i) => i.id)).toEqual([items[1]!.id]);
    expect(await (await rest(write, 'POST', '/notifications/read-all', {})).json()).toEqual({ marked: 1, unread: 0 });
    expect((await centre(colleague)).unread).toBe(1);
    const preferences = await rest(write, 'PUT', '/notification-preferences', { event: 'api_key.expiring', channel: 'off' });
    expect(await preferences.json()).toEqual({ workspaceId: null, event: 'api_key.expiring', channel: 'off' });
  });

  it('keeps each organisation’s notifications apart for someone in two organisations', async () => {
    const second = await seedOrganisation(steward.app, `Second ${randomBytes(3).toString('hex')}`);
    await steward.db.insertInto('memberships').values({ organisation_id: second.organisationId, user_id: owner.id, org_role: 'member' }).execute();
    await notify(owner, 1);
    expect((await centre(owner)).items).toHaveLength(1);
    expect(ok(await call<{ items: Item[]; unread: number }>(owner, 'notifications.list', { organisationId: second.organisationId }, 'query'))).toMatchObject({ items: [], unread: 0 });
  });
});

describe('old notifications', () => {
  it('are deleted by a daily job once older than the retention period, read or not', async () => {
    const at = (days: number) => new Date(Date.now() - days * 86_400_000);
    const row = (days: number, read: boolean) => ({
      organisation_id: steward.org.organisationId,
      user_id: owner.id,
      event: 'invitation.accepted',
      payload: JSON.stringify({ invitationId: 'i', name: 'N', email: 'n@example.org' }),
      state: 'delivered' as const,
      in_app: true,
      created_at: at(days),
      read_at: read ? at(days) : null,
    });
    await steward.db.insertInto('notifications').values([row(NOTIFICATION_RETENTION_DAYS + 1, true), row(NOTIFICATION_RETENTION_DAYS + 30, false), row(NOTIFICATION_RETENTION_DAYS - 1, false), row(1, true)]).execute();
    expect(await pruneNotifications(steward.db)).toBe(2);
    expect((await centre(owner)).items).toHaveLength(2);
    expect(await steward.app.jobs.boss.getSchedules()).toContainEqual(expect.objectContaining({ name: 'notification-cleanup', cron: NOTIFICATION_CLEANUP_CRON }));
  });
});

describe('notification preferences', () => {
  it('start at the catalogue defaults, per workspace and for the organisation', async () => {
    const workspace = ok(await call<{ preferences: { event: string; channel: string; isDefault: boolean }[] }>(owner, 'notifications.workspacePreferences', { workspaceId }, 'query'));
    // Every workspace event of the catalogue, in its order (other areas add theirs), and none of the organisation's.
    expect(workspace.preferences.map((p) => p.event)).toEqual(eventsOfScope('workspace'));
    expect(workspace.preferences.map((p) => p.event)).toEqual(expect.arrayContaining(['deal.stage_changed', 'import.finished', 'campaign.sent', 'campaign.failed']));
    expect(workspace.preferences.every((p) => p.isDefault && p.channel === NOTIFICATION_EVENTS[p.event as keyof typeof NOTIFICATION_EVENTS].defaultChannel)).toBe(true);
    const organisation = ok(await call<{ preferences: { event: string }[] }>(owner, 'notifications.organisationPreferences', { organisationId: steward.org.organisationId }, 'query'));
    expect(organisation.preferences.map((p) => p.event)).toEqual(eventsOfScope('organisation'));
    expect(organisation.preferences.map((p) => p.event)).toEqual(expect.arrayContaining(['invitation.accepted', 'api_key.expiring']));
  });

  it('are one’s own: a choice in one workspace changes neither another workspace nor another person', async () => {
    await setWorkspacePreference(owner, 'campaign.sent', 'email');
    const read = async (user: SeededUser, where: string) =>
      ok(await call<{ preferences: { event: string; channel: string; isDefault: boolean }[] }>(user, 'notifications.workspacePreferences', { workspaceId: where }, 'query')).preferences.find(
        (p) => p.event === 'campaign.sent',
      );
    expect(await read(owner, workspaceId)).toEqual({ event: 'campaign.sent', channel: 'email', isDefault: false });
    expect(await read(owner, otherWorkspaceId)).toMatchObject({ channel: 'in_app', isDefault: true });
    expect(await read(colleague, workspaceId)).toMatchObject({ channel: 'in_app', isDefault: true });
    await setWorkspacePreference(owner, 'campaign.sent', 'off');
    expect(await read(owner, workspaceId)).toMatchObject({ channel: 'off' });
  });

  it('refuses an event in the wrong place, an unknown event or channel, and a workspace one has no role in', async () => {
    const wrongPlace = await call(owner, 'notifications.setWorkspacePreference', { workspaceId, event: 'api_key.expiring', channel: 'email' });
    expect(wrongPlace.error?.data.code).toBe('BAD_REQUEST');
    expect(wrongPlace.error?.message).toMatch(/once for the organisation/);
    const orgWrong = await call(owner, 'notifications.setOrganisationPreference', { organisationId: steward.org.organisationId, event: 'deal.stage_changed', channel: 'email' });
    expect(orgWrong.error?.data.code).toBe('BAD_REQUEST');
    expect((await call(owner, 'notifications.setWorkspacePreference', { workspaceId, event: 'deal.exploded', channel: 'email' })).error?.data.code).toBe('BAD_REQUEST');
    expect((await call(owner, 'notifications.setWorkspacePreference', { workspaceId, event: 'deal.stage_changed', channel: 'pigeon' })).error?.data.code).toBe('BAD_REQUEST');
    expect((await call(colleague, 'notifications.workspacePreferences', { workspaceId: otherWorkspaceId }, 'query')).error?.data.code).toBe('FORBIDDEN');
  });

  it('an organisation-wide choice applies to its events (invitation accepted off: nothing)', async () => {
    ok(await call(steward.org.admin, 'notifications.setOrganisationPreference', { organisationId: steward.org.organisationId, event: 'invitation.accepted', channel: 'off' }));
    const invitation = await inviteUser(steward.app, actorFor(steward.org.admin), steward.org.organisationId, { email: `quiet-${randomBytes(3).toString('hex')}@example.org`, orgRole: 'member', workspaces: [] });
    const [invitationEmail] = await steward.mailer.waitFor(1);
    const token = new URL(/https?:\/\/\S+/.exec(invitationEmail!.body.text!)![0]).searchParams.get('token')!;
    const joiner = await steward.app.signIn(invitationEmail!.body.to![0]!.email);
    expect((await joiner.trpc('invitations.accept', { token }, 'mutation')).error).toBeNull();
    await settled();
    expect(await steward.db.selectFrom('notifications').select(['user_id', 'channel', 'in_app']).where('event', '=', 'invitation.accepted').execute()).toEqual([{ user_id: steward.org.admin.id, channel: 'off', in_app: false }]);
    expect(invitation.id).toBeTruthy();
  });
});
