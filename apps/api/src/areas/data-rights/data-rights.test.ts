import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { sql } from '@steward/db';
import { addSignedInMember, findTraces, type HttpAgent, type SeededUser, seedOrganisation, startWebhookReceiver, TEST_SUPPRESSION_KEY, useStewardApp, type WebhookReceiver } from '@steward/test-kit';
import { fieldWorkSettled } from '../fields/storage.js';

/**
 * A person's rights (issue 12, item 6): the export of everything about them, and an erasure that
 * leaves no trace of their address or name in any table of the database, then keeps the address
 * out for good (created, imported or mailed).
 */
const steward = useStewardApp({ organisation: 'Acme', env: { REST_RATE_LIMIT_PER_MINUTE: '100000' } });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T; status: number };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const trpc = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation', agent: HttpAgent = steward.org.admin.agent) =>
  agent.trpc<T>(path, input, kind) as Promise<Result<T>>;
const unique = () => randomBytes(4).toString('hex');

async function rest<T>(key: string, method: string, path: string, body?: unknown): Promise<Result<T>> {
  const response = await fetch(`${steward.app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as T & { message?: string; code?: string };
  return response.ok
    ? { error: null, text, data: parsed, status: response.status }
    : { error: { message: parsed.message ?? text, data: { code: parsed.code ?? String(response.status) } }, text, data: parsed, status: response.status };
}

/** The REST erasure: DELETE on the person's data, with the workspace and the request as parameters. */
const erasePath = (contactId: string, request: string) => `/contacts/${contactId}/personal-data?${new URLSearchParams({ workspaceId: chapter, request })}`;

interface ImportStatus {
  id: string;
  state: string;
  created: number;
  rejected: number;
}
interface PersonalData {
  format: string;
  complete: boolean;
  person: { id: string; firstName: string; lastName: string; email: string; globallyUnsubscribedAt: string | null; values: { key: string; label: string; value: unknown }[] };
  workspaces: { workspaceId: string; name: string; subscription: string; values: { key: string; value: unknown }[]; categories: { categoryId: string; status: string }[] }[];
  consentHistory: { level: string; status: string; source: string; workspaceId: string | null; categoryName: string | null }[];
  campaigns: { campaignId: string; name: string; state: string }[];
}
interface Erased {
  erased: true;
  suppressed: boolean;
  removed: Record<string, number>;
}

let chapter: string;
let global: string;
let adminKey: string;
let categoryId: string;
let receiver: WebhookReceiver;
let inboxId: string;
const fieldKeys: Record<string, string> = {};

/** Uploads a CSV to the chapter, maps it, runs it, and waits for the end. */
async function runImport(csv: string, mapping: unknown[], fileName = 'people.csv'): Promise<ImportStatus & { importId: string }> {
  const response = await steward.org.admin.agent.request(`/files/contact-imports?${new URLSearchParams({ workspaceId: chapter, fileName })}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: Buffer.from(csv, 'utf8'),
  });
  const body = (await response.json()) as { import: { id: string } };
  expect(response.status, JSON.stringify(body)).toBe(201);
  const importId = body.import.id;
  ok(await trpc('contacts.imports.start', { workspaceId: chapter, importId, mapping }));
  for (let i = 0; i < 200; i++) {
    const status = ok(await trpc<ImportStatus>('contacts.imports.get', { workspaceId: chapter, importId }, 'query'));
    if (['completed', 'failed', 'cancelled'].includes(status.state)) return { ...status, importId };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Import ${importId} did not finish`);
}

async function rejectedRows(importId: string) {
  const response = await steward.org.admin.agent.request(`/files/contact-imports/${importId}/rejected-rows.csv`);
  return parse(await response.text(), { bom: true }) as string[][];
}

async function sentCampaign(workspaceId: string, category: string) {
  const campaign = ok(
    await trpc<{ id: string }>('campaigns.create', { workspaceId, name: `News ${unique()}`, subject: 'Hello {{firstName}}', htmlBody: '<p>Dear {{fullName}}</p>', textBody: 'Dear {{fullName}}', categoryId: category }),
  );
  ok(await trpc('campaigns.send', { workspaceId, campaignId: campaign.id }));
  for (let i = 0; i < 200; i++) {
    const progress = ok(await trpc<{ state: string; total: number; sent: number; skipped: number }>('campaigns.progress', { workspaceId, campaignId: campaign.id }, 'query'));
    if (progress.state === 'sent') return { campaignId: campaign.id, progress };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('The campaign did not finish sending');
}

/** A person with distinctive name and address, so that any copy of either is found. */
function newPerson() {
  const tag = unique();
  return { firstName: `Adaqz${tag}`, lastName: `Lovelacezz${tag}`, email: `ada.${tag}@analytical-engine.example` };
}

/** Someone Steward knows well: created, edited, linked twice, with consent, a campaign, a rejected import row and emails. */
async function wellKnown(person = newPerson()) {
  const created = ok(
    await trpc<{ id: string }>('contacts.create', {
      workspaceId: chapter,
      firstName: person.firstName,
      lastName: person.lastName,
      email: person.email,
      phone: '+44 20 7946 0000',
      values: { [fieldKeys.nickname!]: `Countess ${person.lastName}`, [fieldKeys.tier!]: `Patron ${person.firstName}` },
    }),
  );
  ok(await trpc('contacts.update', { workspaceId: chapter, contactId: created.id, country: 'GB' }));
  ok(await trpc('contacts.link', { workspaceId: global, email: person.email, values: { [fieldKeys.note!]: `Met ${person.firstName} at the salon` } }));
  ok(await trpc('consent.set', { workspaceId: chapter, contactId: created.id, workspace: 'subscribed', categories: [{ categoryId, status: 'subscribed' }] }));
  // They wrote to the chapter's inbox.
  ok(
    await trpc('conversations.receive', {
      workspaceId: chapter,
      inboxId,
      from: { email: person.email, name: `${person.firstName} ${person.lastName}` },
      subject: `A question from ${person.firstName}`,
      body: `Hello, this is ${person.firstName} ${person.lastName} (${person.email}).`,
    }),
  );
  const campaign = await sentCampaign(chapter, categoryId);
  // A second row of the same person in a file: rejected, with its cells kept for the report.
  const imported = await runImport(`first,last,email\n${person.firstName},${person.lastName},${person.email}\n${person.firstName},${person.lastName},${person.email}\n`, [
    { builtIn: 'firstName' },
    { builtIn: 'lastName' },
    { builtIn: 'email' },
  ]);
  expect(imported.rejected).toBe(1);
  ok(await trpc('consent.set', { workspaceId: chapter, contactId: created.id, globallyUnsubscribed: true }));
  return { ...person, contactId: created.id, campaignId: campaign.campaignId, importId: imported.importId };
}

beforeAll(async () => {
  chapter = steward.org.chapterWorkspaceId;
  global = steward.org.globalWorkspaceId;
  adminKey = ok(await trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'rights' })).key;
  categoryId = ok(await trpc<{ id: string }>('emailCategories.create', { workspaceId: chapter, name: 'Newsletter' })).id;
  const field = async (workspaceId: string, label: string, scope: string) =>
    ok(await trpc<{ key: string }>('fields.create', { workspaceId, entity: 'contact', label, type: 'text', scope })).key;
  fieldKeys.nickname = await field(chapter, 'Nickname', 'core');
  fieldKeys.tier = await field(chapter, 'Tier', 'workspace');
  fieldKeys.note = await field(global, 'Internal note', 'global_internal');
  await fieldWorkSettled();
  inboxId = ok(await trpc<{ id: string }>('inboxes.create', { workspaceId: chapter, name: 'Support' })).id;
  // The chapter's webhooks receive contact and consent events: Steward keeps each event for its deliveries.
  receiver = await startWebhookReceiver();
  ok(await trpc('webhooks.create', { workspaceId: chapter, url: receiver.url, events: ['contact.created', 'contact.updated', 'consent.changed'] }));
});
afterAll(() => receiver?.close());

describe('erasing a person', () => {
  it('leaves no trace of their address or name in any table of the database, and keeps the campaign counts', async () => {
    const person = await wellKnown();
    const needles = [person.email, person.firstName, person.lastName];
    // The search can find them: before the erasure they are in many places.
    const before = (await findTraces(steward.app.db, needles)).map((t) => t.table);
    expect(before).toEqual(
      expect.arrayContaining(['public.contacts', 'public.contact_workspaces', 'public.campaign_recipients', 'public.contact_import_rejections', 'public.audit_log', 'public.dev_outbox', 'public.webhook_events', 'public.conversation_messages']),
    );
    const countsBefore = ok(await trpc<{ total: number; sent: number }>('campaigns.progress', { workspaceId: chapter, campaignId: person.campaignId }, 'query'));

    const erased = ok(await rest<Erased>(adminKey, 'DELETE', erasePath(person.contactId, 'Request by email of 12 November, ticket 4521')));
    expect(erased).toMatchObject({ erased: true, suppressed: true, removed: { workspaces: 2, campaignRecipients: 1, importRejectedRows: 1, devOutboxEmails: 1 } });
    expect(erased.removed.consentHistoryEntries).toBeGreaterThanOrEqual(3);
    expect(erased.removed.auditEntriesRedacted).toBeGreaterThanOrEqual(4);
    expect(erased.removed.webhookEvents).toBeGreaterThanOrEqual(3);

    expect(await findTraces(steward.app.db, needles)).toEqual([]);
    // The campaign still counts them, as a number.
    expect(ok(await trpc('campaigns.progress', { workspaceId: chapter, campaignId: person.campaignId }, 'query'))).toMatchObject({ total: countsBefore.total, sent: countsBefore.sent });
    // The rejected row keeps its number, without its cells.
    const report = await rejectedRows(person.importId);
    expect(report).toHaveLength(2);
    expect(report[1]!.join('')).not.toContain(person.firstName);
  });

  it('records the request in the audit log without the person, and keeps what others did to them as "erased"', async () => {
    const person = await wellKnown();
    ok(await trpc('dataRights.erase', { workspaceId: chapter, contactId: person.contactId, request: 'Letter of 2 May, ref. GDPR-77' }));
    const entries = await steward.app.db.selectFrom('audit_log').select(['action', 'before', 'after']).where('target_id', '=', person.contactId).orderBy('id').execute();
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['contacts.create', 'contacts.update', 'consent.set', 'dataRights.erase']));
    const erasure = entries.at(-1)!;
    expect(erasure.action).toBe('dataRights.erase');
    expect(erasure.after).toMatchObject({ request: 'Letter of 2 May, ref. GDPR-77', suppressed: true });
    for (const entry of entries.slice(0, -1)) expect(JSON.stringify(entry.after ?? entry.before)).toContain('erased on request');
    // The log stays append-only for everything else.
    await expect(sql`update audit_log set after = '{}'::jsonb where target_id = ${person.contactId}`.execute(steward.app.db)).rejects.toThrow(/cannot be changed or deleted/);
  });

  it('refuses a request reference that names the person (the audit log keeps it)', async () => {
    const person = await wellKnown();
    for (const request of [`Email from ${person.email}`, `Call from ${person.firstName} ${person.lastName}`, `${person.lastName.toUpperCase()}, ${person.firstName}`]) {
      const refused = await trpc('dataRights.erase', { workspaceId: chapter, contactId: person.contactId, request });
      expect(refused.error?.data.code).toBe('BAD_REQUEST');
      expect(refused.error?.message).toMatch(/names the person/);
    }
    expect(await steward.app.db.selectFrom('contacts').select('id').where('id', '=', person.contactId).executeTakeFirst()).toBeDefined();
  });

  it('keeps the address only as an HMAC under the configured key (STEWARD_SUPPRESSION_KEY), with nothing else about the person', async () => {
    const person = await wellKnown();
    ok(await trpc('dataRights.erase', { workspaceId: chapter, contactId: person.contactId, request: 'Ticket 11' }));
    const hmac = (key: Buffer) => createHmac('sha256', key).update(`${steward.org.organisationId}:${person.email}`).digest();
    const rows = await steward.app.db.selectFrom('suppressed_addresses').selectAll().where('address_hash', '=', hmac(Buffer.from(TEST_SUPPRESSION_KEY, 'base64'))).execute();
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual(['address_hash', 'organisation_id', 'suppressed_at']);
    expect(steward.app.config.suppressionKey).toEqual(Buffer.from(TEST_SUPPRESSION_KEY, 'base64'));
  });

  it('then refuses the address as suppressed: created in the console or over REST, upserted, linked or imported', async () => {
    const person = await wellKnown();
    ok(await trpc('dataRights.erase', { workspaceId: chapter, contactId: person.contactId, request: 'Ticket 1' }));
    const again = { firstName: person.firstName, lastName: person.lastName, email: person.email.toUpperCase() };

    const created = await trpc('contacts.create', { workspaceId: chapter, ...again });
    expect(created.error?.data.code).toBe('CONFLICT');
    expect(created.error?.message).toMatch(/erased on request.*suppressed/);
    const overRest = await rest(adminKey, 'POST', `/workspaces/${global}/contacts`, again);
    expect(overRest.status).toBe(409);
    expect(overRest.error?.message).toMatch(/suppressed/);

    const other = ok(await trpc<{ id: string }>('contacts.create', { workspaceId: chapter, firstName: 'Someone', email: `someone-${unique()}@example.org` }));
    const changed = await trpc('contacts.update', { workspaceId: chapter, contactId: other.id, email: person.email });
    expect(changed.error?.data.code).toBe('CONFLICT');

    const bulk = ok(await rest<{ results: { status: string; errors: { field: string; message: string }[] }[]; created: number }>(adminKey, 'POST', `/workspaces/${chapter}/contacts/bulk`, { rows: [again, { email: `fine-${unique()}@example.org` }] }));
    expect(bulk.created).toBe(1);
    expect(bulk.results[0]).toMatchObject({ status: 'error', errors: [{ field: 'email', message: expect.stringMatching(/suppressed/) }] });
    const linked = await trpc('contacts.link', { workspaceId: global, email: person.email });
    expect(linked.error?.data.code).toBe('NOT_FOUND');

    const imported = await runImport(`First name,Last name,Email\n${again.firstName},${again.lastName},${again.email}\nGrace,Hopper,grace-${unique()}@example.org\n`, [
      { builtIn: 'firstName' },
      { builtIn: 'lastName' },
      { builtIn: 'email' },
    ]);
    expect(imported).toMatchObject({ state: 'completed', created: 1, rejected: 1 });
    const report = await rejectedRows(imported.importId);
    expect(report[1]!.at(-1)).toMatch(/erased on request.*suppressed/);
    // The report says why without keeping what the refused row held.
    expect(await findTraces(steward.app.db, [person.email, person.firstName, person.lastName])).toEqual([]);
  });

  it('never mails the address again, even when it comes back by a path that does not check (the send skips it)', async () => {
    const person = await wellKnown();
    ok(await trpc('dataRights.erase', { workspaceId: chapter, contactId: person.contactId, request: 'Ticket 2' }));
    const workspaceId = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Back door', slug: `back-${unique()}` })).id;
    const category = ok(await trpc<{ id: string }>('emailCategories.create', { workspaceId, name: 'Everyone', subscribedByDefault: true })).id;
    // Written directly, as a path that forgot the check would.
    const db = steward.app.db;
    for (const email of [person.email, `bystander-${unique()}@example.org`]) {
      const { id } = await db.insertInto('contacts').values({ organisation_id: steward.org.organisationId, first_name: 'Back', email }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('contact_workspaces').values({ workspace_id: workspaceId, contact_id: id, organisation_id: steward.org.organisationId }).execute();
    }
    const { campaignId, progress } = await sentCampaign(workspaceId, category);
    expect(progress).toMatchObject({ sent: 1, skipped: 1 });
    const skipped = await db.selectFrom('campaign_recipients').select(['email', 'state', 'error']).where('campaign_id', '=', campaignId).where('state', '<>', 'sent').execute();
    expect(skipped).toEqual([{ email: person.email, state: 'skipped_opted_out', error: expect.stringMatching(/erased on request/) }]);
    const mailed = await db.selectFrom('dev_outbox').select('to_email').where('to_email', '=', person.email).execute();
    expect(mailed).toEqual([]);
  });

  it('is for admins of every workspace that knows the person: a chapter admin cannot erase someone the global workspace knows', async () => {
    const person = await wellKnown();
    const chapterAdmin = await addSignedInMember(steward.app, steward.org.organisationId, `chapter-admin-${unique()}@acme.example`, 'member', [{ workspaceId: chapter, role: 'admin' }]);
    const refused = await trpc('dataRights.erase', { workspaceId: chapter, contactId: person.contactId, request: 'Ticket 3' }, 'mutation', chapterAdmin.agent);
    expect(refused.error?.data.code).toBe('FORBIDDEN');
    expect(refused.error?.message).toMatch(/only organisation admins and global admins/);
    // Someone only this chapter knows, they can.
    const local = ok(await trpc<{ id: string }>('contacts.create', { workspaceId: chapter, firstName: 'Local', email: `local-${unique()}@example.org` }));
    ok(await trpc('dataRights.erase', { workspaceId: chapter, contactId: local.id, request: 'Ticket 4' }, 'mutation', chapterAdmin.agent));
  });

  it('takes an admin-scope API key: a read_write key, enough to edit records, cannot erase', async () => {
    const person = await wellKnown();
    const readWrite = ok(await trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'rw', scope: 'read_write' })).key;
    const refused = await rest(readWrite, 'DELETE', erasePath(person.contactId, 'Ticket 5'));
    expect(refused.status).toBe(403);
    // It may read the export, as it may read the records (its owner is an organisation admin).
    expect(ok(await rest<PersonalData>(readWrite, 'GET', `/contacts/${person.contactId}/personal-data?workspaceId=${chapter}`)).person.email).toBe(person.email);
  });

  it('with a key restricted to one workspace: exports what that workspace sees, and cannot erase someone others know', async () => {
    const person = await wellKnown();
    const restricted = ok(await trpc<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'chapter only', workspaceId: chapter })).key;
    const data = ok(await rest<PersonalData>(restricted, 'GET', `/contacts/${person.contactId}/personal-data?workspaceId=${chapter}`));
    expect(data.complete).toBe(false);
    expect(data.workspaces.map((w) => w.workspaceId)).toEqual([chapter]);
    expect(data.person.values.map((v) => v.key)).toEqual([fieldKeys.nickname]);
    const refused = await rest(restricted, 'DELETE', erasePath(person.contactId, 'Ticket 9'));
    expect(refused.status).toBe(403);
    expect(refused.error?.message).toMatch(/restricted to one workspace/);
    const local = ok(await trpc<{ id: string }>('contacts.create', { workspaceId: chapter, firstName: 'Local', email: `only-here-${unique()}@example.org` }));
    expect(ok(await rest<Erased>(restricted, 'DELETE', erasePath(local.id, 'Ticket 10'))).erased).toBe(true);
  });

  it('is described in the OpenAPI document: GET exports, DELETE erases (a destructive call for clients and AI tools)', async () => {
    const document = (await (await fetch(`${steward.app.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: { name: string }[] }>> };
    const path = document.paths['/contacts/{contactId}/personal-data']!;
    expect(Object.keys(path).sort()).toEqual(['delete', 'get']);
    expect(path.delete!.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['contactId', 'workspaceId', 'request']));
  });

  it('answers NOT_FOUND for a contact of another organisation, and for one this workspace does not know', async () => {
    const person = await wellKnown();
    const elsewhere = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Elsewhere', slug: `elsewhere-${unique()}` })).id;
    expect((await trpc('dataRights.erase', { workspaceId: elsewhere, contactId: person.contactId, request: 'Ticket 6' })).error?.data.code).toBe('NOT_FOUND');
    expect((await trpc('dataRights.export', { workspaceId: elsewhere, contactId: person.contactId }, 'query')).error?.data.code).toBe('NOT_FOUND');
    const other = await seedOrganisation(steward.app, `Other ${unique()}`);
    const asOther = { workspaceId: other.chapterWorkspaceId, contactId: person.contactId };
    expect((await trpc('dataRights.erase', { ...asOther, request: 'Ticket 8' }, 'mutation', other.admin.agent)).error?.data.code).toBe('NOT_FOUND');
    expect((await trpc('dataRights.export', asOther, 'query', other.admin.agent)).error?.data.code).toBe('NOT_FOUND');
    expect(await steward.app.db.selectFrom('contacts').select('id').where('id', '=', person.contactId).executeTakeFirst()).toBeDefined();
  });
});

describe('exporting a person', () => {
  it('gives an organisation admin everything: record, values of every workspace, consent and its history, campaigns', async () => {
    const person = await wellKnown();
    const data = ok(await rest<PersonalData>(adminKey, 'GET', `/contacts/${person.contactId}/personal-data?workspaceId=${chapter}`));
    expect(data).toMatchObject({ format: 'steward.personal-data/1', complete: true, person: { id: person.contactId, firstName: person.firstName, lastName: person.lastName, email: person.email } });
    expect(data.person.globallyUnsubscribedAt).not.toBeNull();
    expect(data.person.values).toEqual([
      { key: fieldKeys.nickname, label: 'Nickname', value: `Countess ${person.lastName}` },
      { key: fieldKeys.note, label: 'Internal note', value: `Met ${person.firstName} at the salon` },
    ]);
    const byId = new Map(data.workspaces.map((w) => [w.workspaceId, w]));
    expect([...byId.keys()].sort()).toEqual([chapter, global].sort());
    expect(byId.get(chapter)).toMatchObject({ subscription: 'subscribed', values: [{ key: fieldKeys.tier, value: `Patron ${person.firstName}` }], categories: [{ categoryId, status: 'subscribed' }] });
    expect(data.consentHistory.map((h) => [h.level, h.status, h.source])).toEqual([
      ['workspace', 'subscribed', 'console'],
      ['category', 'subscribed', 'console'],
      ['global', 'unsubscribed', 'console'],
    ]);
    expect(data.campaigns).toEqual([expect.objectContaining({ campaignId: person.campaignId, state: 'sent' })]);

    const audit = await steward.app.db.selectFrom('audit_log').select(['action', 'after']).where('target_id', '=', person.contactId).where('action', '=', 'dataRights.export').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.after)).not.toContain(person.email);
  });

  it('gives a chapter admin what their workspaces see, and says the export is incomplete', async () => {
    const person = await wellKnown();
    const chapterAdmin = await addSignedInMember(steward.app, steward.org.organisationId, `exporter-${unique()}@acme.example`, 'member', [{ workspaceId: chapter, role: 'admin' }]);
    const data = ok(await trpc<PersonalData>('dataRights.export', { workspaceId: chapter, contactId: person.contactId }, 'query', chapterAdmin.agent));
    expect(data.complete).toBe(false);
    expect(data.workspaces.map((w) => w.workspaceId)).toEqual([chapter]);
    expect(data.person.values.map((v) => v.key)).toEqual([fieldKeys.nickname]);
    expect(data.consentHistory.every((h) => h.workspaceId === null || h.workspaceId === chapter)).toBe(true);
  });

  it('is for the workspace admins only', async () => {
    const person = await wellKnown();
    const member: SeededUser = await addSignedInMember(steward.app, steward.org.organisationId, `member-${unique()}@acme.example`, 'member', [{ workspaceId: chapter, role: 'member' }]);
    expect((await trpc('dataRights.export', { workspaceId: chapter, contactId: person.contactId }, 'query', member.agent)).error?.data.code).toBe('FORBIDDEN');
    expect((await trpc('dataRights.erase', { workspaceId: chapter, contactId: person.contactId, request: 'Ticket 7' }, 'mutation', member.agent)).error?.data.code).toBe('FORBIDDEN');
  });
});
