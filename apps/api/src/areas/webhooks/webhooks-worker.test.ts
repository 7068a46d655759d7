import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, startWebhookReceiver, useStewardApp, type ApiProcess, type WebhookReceiver } from '@steward/test-kit';
import { verifySignatureHeader } from './signing.js';

/**
 * Delivery through real, separate worker processes (apps/api/src/main.ts, as `npm start` runs it)
 * to a real local HTTP receiver. The app in this file runs no workers: it only takes the changes.
 */
const steward = useStewardApp({ workers: false, organisation: 'Acme' });
const WORKER_ENV = { WEBHOOK_RETRY_DELAY_SECONDS: '0.3', WEBHOOK_RETRY_LIMIT: '8', WEBHOOK_TIMEOUT_SECONDS: '5' };
let receiver: WebhookReceiver;
const workers: ApiProcess[] = [];
const stopped = new Set<ApiProcess>();

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await Promise.all(workers.filter((w) => !stopped.has(w)).map((w) => w.stop()));
  await receiver?.close();
});

type Result<T> = { error: { message: string } | null; text: string; data: T };
async function call<T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation'): Promise<T> {
  const result = (await steward.org.admin.agent.trpc<T>(path, input, kind)) as Result<T>;
  expect(result.error, result.text).toBeNull();
  return result.data;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhook delivery by the job workers', () => {
  it('delivers an event exactly once, validly signed, to a receiver that fails 5 times, across a worker restart', async () => {
    const workspaceId = steward.org.chapterWorkspaceId;
    workers.push(await startApiProcess({ databaseUrl: steward.database.url, env: WORKER_ENV }));
    const { subscription, secret } = await call<{ subscription: { id: string }; secret: string }>('webhooks.create', { workspaceId, url: receiver.url, events: ['contact.created'] });
    receiver.failNext(5);

    const contact = await call<{ id: string }>('contacts.create', { workspaceId, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' });

    // The first worker makes two attempts, then stops (SIGTERM, as a deploy would).
    await receiver.waitFor((r) => r.length >= 2, 60_000);
    await workers[0]!.stop();
    stopped.add(workers[0]!);
    const whileStopped = receiver.received.length;
    await sleep(2_500);
    expect(receiver.received.length, 'nothing delivers while no worker runs').toBe(whileStopped);
    expect(whileStopped).toBeLessThan(6);

    // A new worker process picks the delivery up where it was left.
    workers.push(await startApiProcess({ databaseUrl: steward.database.url, env: WORKER_ENV }));
    await receiver.waitFor((r) => r.some((x) => x.answered === 200), 60_000);
    await sleep(3_000);

    const received = receiver.received;
    expect(received.map((r) => r.answered)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(received.filter((r) => r.answered === 200)).toHaveLength(1);
    const eventIds = new Set(received.map((r) => r.headers['steward-event-id']));
    expect(eventIds.size, 'every attempt carries the same event id').toBe(1);
    for (const request of received) {
      expect(verifySignatureHeader(secret, request.headers['steward-signature'] as string, request.body), request.headers['steward-signature'] as string).toBe(true);
      expect(verifySignatureHeader(`${secret}x`, request.headers['steward-signature'] as string, request.body)).toBe(false);
      const body = JSON.parse(request.body) as { id: string; type: string; workspaceId: string; data: { contact: { id: string; email: string } } };
      expect(body).toMatchObject({ id: [...eventIds][0], type: 'contact.created', workspaceId, data: { contact: { id: contact.id, email: 'ada@example.org' } } });
    }
    expect(received.map((r) => r.headers['steward-delivery-attempt'])).toEqual(['1', '2', '3', '4', '5', '6']);
    // Backoff: each wait is about twice the one before (0.3 s, 0.6 s, 1.2 s, … ±10 %), the restart aside.
    const gaps = received.slice(1).map((r, i) => r.at - received[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(250);
    expect(gaps[3]!).toBeGreaterThanOrEqual(2 * 1000);

    const log = await call<{ deliveries: { state: string; attempts: number; attemptLog: { responseStatus: number; durationMs: number }[] }[] }>(
      'webhooks.deliveries',
      { workspaceId, subscriptionId: subscription.id },
      'query',
    );
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ state: 'delivered', attempts: 6 });
    expect(log.deliveries[0]!.attemptLog.map((a) => a.responseStatus)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(log.deliveries[0]!.attemptLog.every((a) => a.durationMs >= 0)).toBe(true);
  }, 180_000);

  it('delivers each of 200 events exactly once when two worker processes relay and deliver at the same time', async () => {
    const slug = `bulk-${Date.now()}`;
    const workspaceId = (await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: slug, slug })).id;
    await call('webhooks.create', { workspaceId, url: receiver.url, events: ['contact.created'] });
    // Two worker processes at once (the one left running by the test above, if any, and new ones).
    const running = workers.filter((w) => !stopped.has(w));
    const started = await Promise.all(Array.from({ length: Math.max(0, 2 - running.length) }, () => startApiProcess({ databaseUrl: steward.database.url, env: WORKER_ENV })));
    workers.push(...started);
    receiver.received.length = 0;
    // A few failures on the way, so that retries interleave with first attempts.
    receiver.failNext(10, 503);
    const rows = Array.from({ length: 200 }, (_, i) => ({ email: `bulk-${i}@example.org`, firstName: `Bulk ${i}` }));
    const outcome = await call<{ created: number }>('contacts.bulk', { workspaceId, rows });
    expect(outcome.created).toBe(200);
    await receiver.waitFor((r) => new Set(r.filter((x) => x.answered === 200).map((x) => x.headers['steward-event-id'])).size >= 200, 90_000);
    await sleep(3_000);
    const accepted = receiver.received.filter((r) => r.answered === 200);
    const ids = accepted.map((r) => r.headers['steward-event-id']);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    expect(receiver.received.length).toBe(210);
    const emails = accepted.map((r) => (JSON.parse(r.body) as { data: { contact: { email: string } } }).data.contact.email).sort();
    expect(emails).toEqual(rows.map((r) => r.email).sort());
  }, 180_000);

  it('keeps delivering after a worker is killed (SIGKILL) between attempts, without repeating a recorded attempt', async () => {
    const slug = `crash-${Date.now()}`;
    const workspaceId = (await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: slug, slug })).id;
    const { subscription, secret } = await call<{ subscription: { id: string }; secret: string }>('webhooks.create', { workspaceId, url: receiver.url, events: ['contact.created'] });
    // One worker only, so that the one killed is the one delivering.
    for (const worker of workers.filter((w) => !stopped.has(w))) {
      await worker.stop();
      stopped.add(worker);
    }
    const doomed = await startApiProcess({ databaseUrl: steward.database.url, env: WORKER_ENV });
    workers.push(doomed);
    receiver.received.length = 0;
    receiver.failNext(3);
    await call('contacts.create', { workspaceId, firstName: 'Crash', email: 'crash@example.org' });

    // Killed once its second attempt is recorded (and the third queued with it), with no shutdown at all.
    const attemptsMade = async () =>
      (await steward.db.selectFrom('webhook_deliveries').select('attempts').where('subscription_id', '=', subscription.id).executeTakeFirst())?.attempts ?? 0;
    await expect.poll(attemptsMade, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    await doomed.kill();
    stopped.add(doomed);
    const afterKill = receiver.received.length;
    expect(afterKill).toBeLessThan(4);

    workers.push(await startApiProcess({ databaseUrl: steward.database.url, env: WORKER_ENV }));
    await receiver.waitFor((r) => r.some((x) => x.answered === 200), 60_000);
    await sleep(2_000);
    expect(receiver.received.map((r) => r.answered)).toEqual([500, 500, 500, 200]);
    expect(receiver.received.map((r) => r.headers['steward-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(new Set(receiver.received.map((r) => r.headers['steward-event-id'])).size).toBe(1);
    for (const r of receiver.received) expect(verifySignatureHeader(secret, r.headers['steward-signature'] as string, r.body)).toBe(true);
    const log = await call<{ deliveries: { state: string; attempts: number }[] }>('webhooks.deliveries', { workspaceId, subscriptionId: subscription.id }, 'query');
    expect(log.deliveries).toEqual([expect.objectContaining({ state: 'delivered', attempts: 4 })]);
  }, 180_000);
});
