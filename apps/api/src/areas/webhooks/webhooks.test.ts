import { randomBytes } from 'node:crypto';
import { sql } from '@steward/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, startWebhookReceiver, TEST_SECRET_KEY, useStewardApp, type WebhookReceiver } from '@steward/test-kit';
import { createKeyring, openSecret } from '../../secrets.js';
import { postWebhook, pruneWebhookLog, secretContext } from './delivery.js';
import { resealWebhookSecrets } from './webhooks.js';
import { verifySignatureHeader } from './signing.js';
import { checkTargetUrl, isPrivateAddress } from './target-url.js';

/** The app runs its own job workers here; retries are quick and a webhook is turned off after 3 failed deliveries. */
const steward = useStewardApp({
  organisation: 'Acme',
  env: { WEBHOOK_RETRY_LIMIT: '1', WEBHOOK_RETRY_DELAY_SECONDS: '0.2', WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES: '3', WEBHOOK_TIMEOUT_SECONDS: '3' },
});
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
beforeEach(() => {
  receiver.received.length = 0;
});

type Result<T> = { status: number; error: { message: string; data: { code: string } } | null; text: string; data: T };
const raw = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;
async function call<T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation'): Promise<T> {
  const result = await raw<T>(path, input, kind);
  expect(result.error, result.text).toBeNull();
  return result.data;
}

interface Subscription {
  id: string;
  enabled: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  secretHint: string;
}

async function newWorkspace() {
  const slug = `hooks-${randomBytes(4).toString('hex')}`;
  return (await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: slug, slug })).id;
}

async function subscribe(workspaceId: string, events: string[], url = receiver.url) {
  return call<{ subscription: Subscription; secret: string }>('webhooks.create', { workspaceId, url, events, description: 'Activepieces flow' });
}

type Body = { id: string; type: string; createdAt: string; workspaceId: string; data: Record<string, unknown> };
const bodies = () => receiver.received.map((r) => JSON.parse(r.body) as Body);

describe('webhook subscriptions', () => {
  it('show the signing secret once, store it sealed, and never return or log it again', async () => {
    const workspaceId = await newWorkspace();
    const { subscription, secret } = await subscribe(workspaceId, ['contact.created']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(subscription.secretHint).toBe(secret.slice(-4));

    const seen: string[] = [];
    seen.push((await raw('webhooks.list', { workspaceId }, 'query')).text);
    seen.push((await raw('webhooks.update', { workspaceId, subscriptionId: subscription.id, events: ['contact.created', 'contact.updated'] })).text);
    seen.push((await raw('webhooks.sendTestEvent', { workspaceId, subscriptionId: subscription.id })).text);
    seen.push((await raw('webhooks.deliveries', { workspaceId, subscriptionId: subscription.id }, 'query')).text);
    seen.push((await raw('audit.list', { organisationId: steward.org.organisationId }, 'query')).text);
    const rows = await steward.db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', subscription.id).execute();
    expect(rows[0]!.secret_key_version).toMatch(/^k[0-9a-f]{12}$/);
    seen.push(JSON.stringify(rows), Buffer.from(rows[0]!.secret_ciphertext, 'base64').toString('latin1'));
    seen.push(JSON.stringify(await steward.db.selectFrom('audit_log').selectAll().execute()));
    seen.push(steward.app.logs.join('\n'));
    for (const text of seen) expect(text).not.toContain(secret);
    expect(seen[0]).not.toContain(rows[0]!.secret_ciphertext);
  });

  it('refuse a URL that cannot be a receiver, and events that do not exist, in plain words', async () => {
    const workspaceId = await newWorkspace();
    const cases: [unknown, string][] = [
      [{ url: 'ftp://files.example.com/x', events: ['contact.created'] }, 'must start with https://'],
      [{ url: 'not a url', events: ['contact.created'] }, 'not a valid URL'],
      [{ url: 'https://user:pw@hooks.example.com/', events: ['contact.created'] }, 'no user name or password'],
      [{ url: 'https://hooks.example.com/', events: [] }, 'Choose at least one event'],
      [{ url: 'https://hooks.example.com/', events: ['contact.exploded'] }, 'events'],
    ];
    for (const [input, words] of cases) {
      const result = await raw('webhooks.create', { workspaceId, ...(input as object) });
      expect(result.status, result.text).toBe(400);
      expect(result.error?.message).toContain(words);
    }
  });

  it('send a signed test event on request and say what the receiver answered', async () => {
    const workspaceId = await newWorkspace();
    const { subscription, secret } = await subscribe(workspaceId, ['contact.created']);
    const sent = await call<{ ok: boolean; status: number; message: string; durationMs: number }>('webhooks.sendTestEvent', { workspaceId, subscriptionId: subscription.id });
    expect(sent).toMatchObject({ ok: true, status: 200 });
    expect(sent.message).toContain('HTTP 200');
    expect(receiver.received).toHaveLength(1);
    expect(bodies()[0]).toMatchObject({ type: 'webhook.test', workspaceId });
    expect(verifySignatureHeader(secret, receiver.received[0]!.headers['steward-signature'] as string, receiver.received[0]!.body)).toBe(true);

    receiver.failNext(1, 503);
    const failed = await call<{ ok: boolean; status: number; message: string }>('webhooks.sendTestEvent', { workspaceId, subscriptionId: subscription.id });
    expect(failed).toMatchObject({ ok: false, status: 503 });
    expect(failed.message).toContain('HTTP 503');
    const log = await call<{ deliveries: { isTest: boolean; state: string; lastStatus: number }[] }>('webhooks.deliveries', { workspaceId, subscriptionId: subscription.id }, 'query');
    expect(log.deliveries.map((d) => [d.isTest, d.state, d.lastStatus])).toEqual([
      [true, 'failed', 503],
      [true, 'delivered', 200],
    ]);
    // A test never counts towards turning the webhook off.
    expect((await call<{ subscriptions: Subscription[] }>('webhooks.list', { workspaceId }, 'query')).subscriptions[0]!.consecutiveFailures).toBe(0);
  });

  it('a rotated secret signs the next deliveries; the old one no longer verifies', async () => {
    const workspaceId = await newWorkspace();
    const { subscription, secret: first } = await subscribe(workspaceId, ['contact.created']);
    const { secret: second } = await call<{ secret: string }>('webhooks.rotateSecret', { workspaceId, subscriptionId: subscription.id });
    expect(second).not.toBe(first);
    await call('webhooks.sendTestEvent', { workspaceId, subscriptionId: subscription.id });
    const [request] = receiver.received;
    expect(verifySignatureHeader(second, request!.headers['steward-signature'] as string, request!.body)).toBe(true);
    expect(verifySignatureHeader(first, request!.headers['steward-signature'] as string, request!.body)).toBe(false);
  });

  it('keep working after the secret key is rotated: the signing secret is re-sealed, not changed', async () => {
    const workspaceId = await newWorkspace();
    const { subscription, secret } = await subscribe(workspaceId, ['contact.created']);
    const rotated = createKeyring(randomBytes(32), [Buffer.from(TEST_SECRET_KEY, 'base64')]);
    expect(await resealWebhookSecrets(steward.db, rotated)).toBeGreaterThanOrEqual(1);
    const row = await steward.db.selectFrom('webhook_subscriptions').select(['organisation_id', 'secret_ciphertext', 'secret_key_version']).where('id', '=', subscription.id).executeTakeFirstOrThrow();
    expect(row.secret_key_version).toBe(rotated.current.version);
    expect(openSecret(rotated, { ciphertext: row.secret_ciphertext, keyVersion: row.secret_key_version }, secretContext(row.organisation_id, subscription.id))).toBe(secret);
    expect(await resealWebhookSecrets(steward.db, rotated)).toBe(0);
    // Back under the app's own key, for the tests that follow.
    await resealWebhookSecrets(steward.db, createKeyring(Buffer.from(TEST_SECRET_KEY, 'base64'), [rotated.current.key]));
    await call('webhooks.sendTestEvent', { workspaceId, subscriptionId: subscription.id });
    expect(verifySignatureHeader(secret, receiver.received.at(-1)!.headers['steward-signature'] as string, receiver.received.at(-1)!.body)).toBe(true);
  });
});

describe('events', () => {
  it('reach the subscriptions of their workspace that want them, from contacts, consent and deals', async () => {
    const workspaceId = await newWorkspace();
    const elsewhere = await newWorkspace();
    await subscribe(workspaceId, ['contact.created', 'contact.updated', 'contact.deleted', 'consent.changed', 'deal.stage_changed']);
    const onlyCreated = await subscribe(workspaceId, ['contact.created']);
    await subscribe(elsewhere, ['contact.created', 'contact.updated']);

    const contact = await call<{ id: string }>('contacts.create', { workspaceId, firstName: 'Grace', email: 'grace@example.org' });
    await call('contacts.update', { workspaceId, contactId: contact.id, lastName: 'Hopper' });
    await call('consent.set', { workspaceId, contactId: contact.id, workspace: 'unsubscribed' });
    const stages = (await call<{ stages: { id: string; name: string }[] }>('pipeline.list', { workspaceId }, 'query')).stages;
    const deal = await call<{ id: string }>('deals.create', { workspaceId, name: 'Renewal', stageId: stages[0]!.id });
    await call('deals.update', { workspaceId, dealId: deal.id, stageId: stages[1]!.id });
    await call('deals.update', { workspaceId, dealId: deal.id, amount: 500 });
    // Deleting a stage moves its deals: each move is a stage change too.
    await call('pipeline.delete', { workspaceId, stageId: stages[1]!.id, moveDealsTo: stages[2]!.id });
    await call('contacts.unlink', { workspaceId, contactId: contact.id });

    await receiver.waitFor((r) => r.length >= 7, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const got = bodies();
    expect(got.every((b) => b.workspaceId === workspaceId), 'nothing reaches another workspace').toBe(true);
    expect(got.map((b) => b.type).sort()).toEqual(['consent.changed', 'contact.created', 'contact.created', 'contact.deleted', 'contact.updated', 'deal.stage_changed', 'deal.stage_changed'].sort());
    const byType = (type: string) => got.find((b) => b.type === type)!.data;
    expect(byType('contact.updated')).toMatchObject({ contact: { id: contact.id, lastName: 'Hopper' }, changed: ['lastName'] });
    expect(byType('consent.changed')).toMatchObject({ contactId: contact.id, level: 'workspace', previous: 'neutral', status: 'unsubscribed', source: 'console' });
    const moves = got.filter((b) => b.type === 'deal.stage_changed').map((b) => b.data);
    expect(moves).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ deal: expect.objectContaining({ id: deal.id }), from: expect.objectContaining({ id: stages[0]!.id, name: stages[0]!.name }), to: expect.objectContaining({ id: stages[1]!.id, name: stages[1]!.name }) }),
        expect.objectContaining({ deal: expect.objectContaining({ id: deal.id, name: 'Renewal' }), from: expect.objectContaining({ id: stages[1]!.id }), to: expect.objectContaining({ id: stages[2]!.id }), via: 'stage_deleted' }),
      ]),
    );
    expect(byType('contact.deleted')).toMatchObject({ contact: { id: contact.id }, removed: 'fromWorkspace' });
    const toOnlyCreated = await call<{ deliveries: { eventType: string }[] }>('webhooks.deliveries', { workspaceId, subscriptionId: onlyCreated.subscription.id }, 'query');
    expect(toOnlyCreated.deliveries.map((d) => d.eventType)).toEqual(['contact.created']);
  });

  it('tell of conversations assigned by the inbox rule and by hand', async () => {
    const workspaceId = await newWorkspace();
    await subscribe(workspaceId, ['conversation.assigned']);
    const admin = steward.org.admin;
    const inbox = await call<{ id: string }>('inboxes.create', {
      workspaceId,
      name: 'Web form',
      channelIds: [],
      agentUserIds: [admin.id],
      assignment: 'round_robin',
      sla: { firstResponseMinutes: 60, nextResponseMinutes: 30, resolutionMinutes: 1440, businessHoursOnly: false },
    });
    const { key } = await call<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'web form' });
    const posted = await fetch(`${steward.app.url}/api/v1/inboxes/${inbox.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId, from: { email: 'visitor@example.org' }, body: 'Hello?' }),
    });
    expect(posted.status, await posted.clone().text()).toBe(200);
    const { conversationId } = (await posted.json()) as { conversationId: string };
    await call('conversations.assign', { workspaceId, conversationId, userId: null });
    await receiver.waitFor((r) => r.length >= 2, 20_000);
    // Deliveries run in parallel: receivers order events by createdAt, not by arrival.
    const got = bodies().sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    expect(got.map((b) => [b.type, b.data])).toEqual([
      ['conversation.assigned', { conversationId, inboxId: inbox.id, assigneeUserId: admin.id, previousAssigneeUserId: null, by: 'rule' }],
      ['conversation.assigned', { conversationId, inboxId: inbox.id, assigneeUserId: null, previousAssigneeUserId: admin.id, by: 'hand' }],
    ]);
  });

  it('come from a bulk upsert too: created, linked and updated contacts', async () => {
    const workspaceId = await newWorkspace();
    const elsewhere = await newWorkspace();
    await call('contacts.create', { workspaceId: elsewhere, firstName: 'Known', email: 'known@example.org' });
    await call('contacts.create', { workspaceId, firstName: 'Here', email: 'here@example.org' });
    await subscribe(workspaceId, ['contact.created', 'contact.updated']);
    const outcome = await call<{ created: number; updated: number; linked: number }>('contacts.bulk', {
      workspaceId,
      rows: [
        { email: 'new@example.org', firstName: 'New' },
        { email: 'known@example.org', lastName: 'Known-Linked' },
        { email: 'here@example.org', lastName: 'Updated' },
      ],
    });
    expect(outcome).toMatchObject({ created: 1, linked: 1, updated: 1 });
    await receiver.waitFor((r) => r.length >= 3, 20_000);
    const got = bodies().map((b) => [b.type, (b.data as { via: string }).via, (b.data as { contact: { email: string } }).contact.email]);
    expect(got.sort()).toEqual([
      ['contact.created', 'bulk', 'new@example.org'],
      ['contact.created', 'link', 'known@example.org'],
      ['contact.updated', 'bulk', 'here@example.org'],
    ]);
  });

  it('come from a bulk consent change, one per contact whose consent changed', async () => {
    const workspaceId = await newWorkspace();
    const ids = [];
    for (const name of ['p', 'q', 'r']) ids.push((await call<{ id: string }>('contacts.create', { workspaceId, firstName: name, email: `${name}-${randomBytes(3).toString('hex')}@example.org` })).id);
    await call('consent.set', { workspaceId, contactId: ids[0], workspace: 'unsubscribed' });
    await subscribe(workspaceId, ['consent.changed']);
    const outcome = await call<{ matched: number; changed: number }>('consent.bulkSet', { workspaceId, filters: [], change: { level: 'workspace', status: 'unsubscribed' } });
    expect(outcome).toEqual({ matched: 3, changed: 2 });
    await receiver.waitFor((r) => r.length >= 2, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const got = bodies().map((b) => b.data as { contactId: string; previous: string; status: string; level: string });
    expect(got.map((d) => d.contactId).sort()).toEqual([ids[1], ids[2]].sort());
    expect(got.every((d) => d.level === 'workspace' && d.previous === 'neutral' && d.status === 'unsubscribed')).toBe(true);
  });

  it('are not kept when no webhook wants them', async () => {
    const workspaceId = await newWorkspace();
    const before = await steward.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await call('contacts.create', { workspaceId, firstName: 'Nobody', email: `nobody-${randomBytes(3).toString('hex')}@example.org` });
    const after = await steward.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('are rolled back with a change that fails', async () => {
    const workspaceId = await newWorkspace();
    await subscribe(workspaceId, ['contact.created']);
    await call('contacts.create', { workspaceId, firstName: 'Once', email: 'once@example.org' });
    const duplicate = await raw('contacts.create', { workspaceId, firstName: 'Twice', email: 'once@example.org' });
    expect(duplicate.status).toBe(409);
    const events = await steward.db.selectFrom('webhook_events').select('data').where('workspace_id', '=', workspaceId).execute();
    expect(events).toHaveLength(1);
    await receiver.waitFor((r) => r.length === 1);
  });
});

describe('the delivery log', () => {
  it('is kept 30 days: older events go with their deliveries, except one still being retried', async () => {
    const workspaceId = await newWorkspace();
    const { subscription } = await subscribe(workspaceId, ['contact.created']);
    const old = sql<Date>`now() - interval '31 days'`;
    const events = await steward.db
      .insertInto('webhook_events')
      .values([0, 1, 2].map(() => ({ organisation_id: steward.org.organisationId, workspace_id: workspaceId, type: 'contact.created', data: '{}', created_at: old })))
      .returning('id')
      .execute();
    await steward.db
      .insertInto('webhook_deliveries')
      .values(events.map((e, i) => ({ organisation_id: steward.org.organisationId, workspace_id: workspaceId, subscription_id: subscription.id, event_id: e.id, state: i === 0 ? 'pending' : 'delivered', queued_at: new Date() })))
      .execute();
    await steward.db.insertInto('webhook_events').values({ organisation_id: steward.org.organisationId, workspace_id: workspaceId, type: 'contact.created', data: '{}' }).execute();
    expect(await pruneWebhookLog(steward.db, 30, 1)).toBe(2);
    const left = await steward.db.selectFrom('webhook_events').select('id').where('workspace_id', '=', workspaceId).execute();
    expect(left.map((e) => e.id)).toContain(events[0]!.id);
    expect(left).toHaveLength(2);
    expect(await steward.db.selectFrom('webhook_deliveries').select('id').where('subscription_id', '=', subscription.id).execute()).toHaveLength(1);
  });
});

describe('a webhook that keeps failing', () => {
  it('is turned off after 3 deliveries in a row fail every attempt, says why, and receives nothing more until turned back on', async () => {
    const workspaceId = await newWorkspace();
    const { subscription } = await subscribe(workspaceId, ['contact.created']);
    receiver.failNext(6);
    for (const name of ['a', 'b', 'c']) await call('contacts.create', { workspaceId, firstName: name, email: `${name}-${randomBytes(3).toString('hex')}@example.org` });
    // 3 deliveries × 2 attempts (WEBHOOK_RETRY_LIMIT=1).
    await receiver.waitFor((r) => r.length >= 6, 20_000);
    expect(bodies().every((b) => b.workspaceId === workspaceId)).toBe(true);
    const deadline = Date.now() + 10_000;
    let listed: Subscription;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      listed = (await call<{ subscriptions: Subscription[] }>('webhooks.list', { workspaceId }, 'query')).subscriptions[0]!;
    } while (listed.enabled && Date.now() < deadline);
    expect(listed).toMatchObject({ enabled: false, consecutiveFailures: 3 });
    expect(listed.disabledReason).toContain('3 deliveries in a row failed');
    expect(listed.disabledReason).toContain('HTTP 500');
    // The workspace's admins are told (here: the organisation admin), by the notification they chose.
    const told = await steward.db.selectFrom('notifications').select(['user_id', 'workspace_id']).where('event', '=', 'webhook.disabled').execute();
    expect(told).toEqual([{ user_id: steward.org.admin.id, workspace_id: workspaceId }]);

    await call('contacts.create', { workspaceId, firstName: 'd', email: `d-${randomBytes(3).toString('hex')}@example.org` });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.received).toHaveLength(6);

    const enabled = await call<Subscription>('webhooks.update', { workspaceId, subscriptionId: subscription.id, enabled: true });
    expect(enabled).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
    await call('contacts.create', { workspaceId, firstName: 'e', email: `e-${randomBytes(3).toString('hex')}@example.org` });
    await receiver.waitFor((r) => r.some((x) => x.answered === 200), 10_000);

    // A delivery that failed every attempt is resent by hand: one more attempt, now accepted.
    type Log = { deliveries: { id: string; state: string; attempts: number }[] };
    const failed = (await call<Log>('webhooks.deliveries', { workspaceId, subscriptionId: subscription.id }, 'query')).deliveries.filter((d) => d.state === 'failed');
    expect(failed).toHaveLength(3);
    await call('webhooks.redeliver', { workspaceId, subscriptionId: subscription.id, deliveryId: failed[0]!.id });
    await receiver.waitFor((r) => r.filter((x) => x.answered === 200).length >= 2, 10_000);
    await expect
      .poll(async () => (await call<Log>('webhooks.deliveries', { workspaceId, subscriptionId: subscription.id }, 'query')).deliveries.find((d) => d.id === failed[0]!.id))
      .toMatchObject({ state: 'delivered', attempts: 3 });
    const again = await raw('webhooks.redeliver', { workspaceId, subscriptionId: subscription.id, deliveryId: failed[0]!.id });
    expect(again.status).toBe(409);
    expect(again.error?.message).toContain('accepted already');
  });
});

describe('the SSRF guard', () => {
  it('refuses private, loopback and link-local targets when on (production, or WEBHOOK_PRIVATE_TARGETS=refuse)', async () => {
    const guarded = await startTestApp({ database: steward.database, workers: false, env: { WEBHOOK_PRIVATE_TARGETS: 'refuse' } });
    try {
      const admin = await guarded.signIn(steward.org.admin.email);
      for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://metadata/x', 'http://db.internal/']) {
        const result = await admin.trpc('webhooks.create', { workspaceId: steward.org.chapterWorkspaceId, url, events: ['contact.created'] }, 'mutation');
        expect(result.status, url).toBe(400);
        expect(result.error?.message, url).toContain('private or local address');
      }
      const ok = await admin.trpc('webhooks.create', { workspaceId: steward.org.chapterWorkspaceId, url: 'https://hooks.example.com/steward', events: ['contact.created'] }, 'mutation');
      expect(ok.error, ok.text).toBeNull();
    } finally {
      await guarded.close();
    }
  });

  it('checks the address actually connected to, so a name resolving to a private address is refused at delivery', async () => {
    const local = new URL(receiver.url);
    const response = await postWebhook({ url: `http://localhost:${local.port}${local.pathname}`, body: '{}', headers: {} }, { timeoutMs: 2_000, allowPrivateTargets: false });
    expect(response.ok).toBe(false);
    expect(response.error).toContain('private or local address');
    expect(receiver.received).toHaveLength(0);
    const allowed = await postWebhook({ url: `http://localhost:${local.port}${local.pathname}`, body: '{}', headers: {} }, { timeoutMs: 2_000, allowPrivateTargets: true });
    expect(allowed).toMatchObject({ ok: true, status: 200 });
  });

  it('knows which addresses are private', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:7f00:1']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(address), address).toBe(false);
    expect(() => checkTargetUrl('http://hooks.example.com/', { production: true, allowPrivateTargets: false })).toThrow('must use https://');
  });
});
