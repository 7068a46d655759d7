import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { startWebhookReceiver, useStewardApp, type WebhookReceiver } from '@steward/test-kit';

/**
 * Consent in a CSV import (issue 12, item 2): columns named "Unsubscribed from everything",
 * "Workspace subscription" and "Category: <name>" set the three levels of consent, each change
 * recorded in the person's history as coming from the import; an import opts people out, and in
 * where they made no choice, but never overrules an opt-out.
 */
const steward = useStewardApp({ organisation: 'Acme' });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const trpc = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => steward.org.admin.agent.trpc<T>(path, input, kind) as Promise<Result<T>>;
const unique = () => randomBytes(4).toString('hex');

type Target = { builtIn: string } | { field: string } | { consent: string; categoryId?: string } | null;
interface Consent {
  globallyUnsubscribed: boolean;
  workspace: string;
  categories: { categoryId: string; choice: string | null }[];
}
interface HistoryEntry {
  level: string;
  categoryId: string | null;
  previous: string | null;
  status: string;
  source: string;
  actorUserId: string | null;
}

let workspaceId: string;
let receiver: WebhookReceiver;
const categories: Record<string, string> = {};

async function upload(csv: string) {
  const response = await steward.org.admin.agent.request(`/files/contact-imports?${new URLSearchParams({ workspaceId, fileName: 'consent.csv' })}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: Buffer.from(csv, 'utf8'),
  });
  const body = (await response.json()) as { import: { id: string } };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body.import.id;
}

async function run(importId: string, mapping: Target[]) {
  ok(await trpc('contacts.imports.start', { workspaceId, importId, mapping }));
  for (let i = 0; i < 200; i++) {
    const status = ok(await trpc<{ state: string; created: number; updated: number; rejected: number }>('contacts.imports.get', { workspaceId, importId }, 'query'));
    if (['completed', 'failed', 'cancelled'].includes(status.state)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('The import did not finish');
}

async function personByEmail(email: string) {
  return steward.app.db.selectFrom('contacts').select('id').where('email', '=', email).executeTakeFirstOrThrow();
}
const consentOf = async (contactId: string) => ok(await trpc<Consent>('consent.get', { workspaceId, contactId }, 'query'));
const historyOf = async (contactId: string) => ok(await trpc<{ entries: HistoryEntry[] }>('consent.history', { workspaceId, contactId }, 'query')).entries.reverse();
const choice = (consent: Consent, categoryId: string) => consent.categories.find((c) => c.categoryId === categoryId)?.choice ?? null;

const HEADERS = 'Email,First name,Unsubscribed from everything,Workspace subscription,Category: Newsletter,Category: events,Category: Old news';

beforeAll(async () => {
  workspaceId = ok(await trpc<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Consent', slug: `consent-${unique()}` })).id;
  for (const name of ['Newsletter', 'Events', 'Old news']) categories[name] = ok(await trpc<{ id: string }>('emailCategories.create', { workspaceId, name })).id;
  ok(await trpc('emailCategories.archive', { workspaceId, categoryId: categories['Old news'] }));
  receiver = await startWebhookReceiver();
  ok(await trpc('webhooks.create', { workspaceId, url: receiver.url, events: ['consent.changed'] }));
});
afterAll(() => receiver?.close());

describe('consent columns in a CSV import', () => {
  it('are recognised by their headers and offered as targets, one per category', async () => {
    const importId = await upload(`${HEADERS}\nx@example.org,X,,,,,\n`);
    const inspection = ok(await trpc<{ suggestedMapping: Target[]; targets: { target: Target; label: string; options: string[] }[] }>('contacts.imports.inspect', { workspaceId, importId }, 'query'));
    expect(inspection.suggestedMapping).toEqual([
      { builtIn: 'email' },
      { builtIn: 'firstName' },
      { consent: 'global' },
      { consent: 'workspace' },
      { consent: 'category', categoryId: categories.Newsletter },
      { consent: 'category', categoryId: categories.Events },
      { consent: 'category', categoryId: categories['Old news'] },
    ]);
    const consentTargets = inspection.targets.filter((t) => t.target && 'consent' in t.target).map((t) => [t.label, t.options]);
    expect(consentTargets).toEqual([
      ['Unsubscribed from everything', ['yes', 'no']],
      ['Workspace subscription', ['subscribed', 'unsubscribed', 'neutral']],
      ['Category: Newsletter', ['subscribed', 'unsubscribed']],
      ['Category: Events', ['subscribed', 'unsubscribed']],
      ['Category: Old news (archived)', ['unsubscribed']],
    ]);
  });

  it('sets each level for new and known people, recorded in the history as coming from the import by whoever started it', async () => {
    const [ada, grace, alan] = ['ada', 'grace', 'alan'].map((n) => `${n}-${unique()}@example.org`) as [string, string, string];
    // Grace is known already, and chose to leave the newsletter herself.
    const known = ok(await trpc<{ id: string }>('contacts.create', { workspaceId, firstName: 'Grace', email: grace }));
    ok(await trpc('consent.set', { workspaceId, contactId: known.id, categories: [{ categoryId: categories.Newsletter, status: 'unsubscribed' }] }));

    const importId = await upload(
      [HEADERS, `${ada},Ada,no,subscribed,yes,unsubscribed,`, `${grace},Grace,,subscribed,subscribed,subscribed,unsubscribed`, `${alan},Alan,yes,,,,`].join('\n') + '\n',
    );
    const mapping = ok(await trpc<{ suggestedMapping: Target[] }>('contacts.imports.inspect', { workspaceId, importId }, 'query')).suggestedMapping;
    expect(await run(importId, mapping)).toMatchObject({ state: 'completed', created: 2, updated: 1, rejected: 0 });

    const adaId = (await personByEmail(ada)).id;
    const adaConsent = await consentOf(adaId);
    expect(adaConsent).toMatchObject({ globallyUnsubscribed: false, workspace: 'subscribed' });
    expect([choice(adaConsent, categories.Newsletter!), choice(adaConsent, categories.Events!), choice(adaConsent, categories['Old news']!)]).toEqual(['subscribed', 'unsubscribed', null]);
    const adaHistory = await historyOf(adaId);
    expect(adaHistory.map((h) => [h.level, h.previous, h.status, h.source])).toEqual([
      ['workspace', 'neutral', 'subscribed', 'import'],
      ['category', null, 'subscribed', 'import'],
      ['category', null, 'unsubscribed', 'import'],
    ]);
    expect(adaHistory.every((h) => h.actorUserId === steward.org.admin.id)).toBe(true);

    // Her own opt-out stands: the file's "subscribed" does not re-subscribe her, and writes no history.
    const graceConsent = await consentOf(known.id);
    expect([graceConsent.workspace, choice(graceConsent, categories.Newsletter!), choice(graceConsent, categories.Events!), choice(graceConsent, categories['Old news']!)]).toEqual([
      'subscribed',
      'unsubscribed',
      'subscribed',
      'unsubscribed',
    ]);
    expect((await historyOf(known.id)).map((h) => [h.level, h.status, h.source])).toEqual([
      ['category', 'unsubscribed', 'console'],
      ['workspace', 'subscribed', 'import'],
      ['category', 'subscribed', 'import'],
      ['category', 'unsubscribed', 'import'],
    ]);

    const alanId = (await personByEmail(alan)).id;
    expect((await consentOf(alanId)).globallyUnsubscribed).toBe(true);
    expect((await historyOf(alanId)).map((h) => [h.level, h.previous, h.status, h.source])).toEqual([['global', 'neutral', 'unsubscribed', 'import']]);

    // The workspace's webhooks hear of each change, as of a change on the record.
    const events = await steward.app.db.selectFrom('webhook_events').select('data').where('workspace_id', '=', workspaceId).where('type', '=', 'consent.changed').execute();
    const fromImport = events.map((e) => e.data as { contactId: string; level: string; status: string; source: string }).filter((d) => d.source === 'import');
    expect(fromImport.filter((d) => d.contactId === adaId).map((d) => `${d.level} ${d.status}`).sort()).toEqual(['category subscribed', 'category unsubscribed', 'workspace subscribed']);
    expect(fromImport.filter((d) => d.contactId === alanId).map((d) => [d.level, d.status])).toEqual([['global', 'unsubscribed']]);
    expect(fromImport).toHaveLength(7);
  });

  it('never lifts an unsubscribe from everything nor an unsubscribed workspace switch', async () => {
    const email = `left-${unique()}@example.org`;
    const person = ok(await trpc<{ id: string }>('contacts.create', { workspaceId, firstName: 'Left', email }));
    ok(await trpc('consent.set', { workspaceId, contactId: person.id, globallyUnsubscribed: true, workspace: 'unsubscribed' }));
    const importId = await upload(`${HEADERS}\n${email},Left,no,subscribed,,,\n`);
    expect(await run(importId, ok(await trpc<{ suggestedMapping: Target[] }>('contacts.imports.inspect', { workspaceId, importId }, 'query')).suggestedMapping)).toMatchObject({
      updated: 1,
      rejected: 0,
    });
    expect(await consentOf(person.id)).toMatchObject({ globallyUnsubscribed: true, workspace: 'unsubscribed' });
    expect((await historyOf(person.id)).filter((h) => h.source === 'import')).toEqual([]);
  });

  it('refuses a row whose consent cell cannot be read, or that subscribes to an archived category, naming the column (preview and report)', async () => {
    const [maybe, archived] = [`maybe-${unique()}@example.org`, `archived-${unique()}@example.org`];
    const csv = `${HEADERS}\n${maybe},May,,,maybe,,\n${archived},Arch,,,,,subscribed\n,,yes,,,,\n`;
    const importId = await upload(csv);
    const mapping = ok(await trpc<{ suggestedMapping: Target[] }>('contacts.imports.inspect', { workspaceId, importId }, 'query')).suggestedMapping;
    const preview = ok(await trpc<{ rows: { status: string; errors: { column: number | null; message: string }[] }[] }>('contacts.imports.preview', { workspaceId, importId, mapping }, 'query'));
    expect(preview.rows.map((r) => r.status)).toEqual(['error', 'error', 'error']);
    expect(preview.rows[0]!.errors).toEqual([{ column: 4, field: 'consent', message: 'Category: Newsletter expects subscribed or unsubscribed, got "maybe".' }]);
    expect(preview.rows[1]!.errors[0]).toMatchObject({ column: 6, message: expect.stringMatching(/'Old news' is archived/) });
    expect(preview.rows[2]!.errors[0]!.message).toMatch(/consent but no email, name or value/);

    expect(await run(importId, mapping)).toMatchObject({ created: 0, rejected: 3 });
    const response = await steward.org.admin.agent.request(`/files/contact-imports/${importId}/rejected-rows.csv`);
    const report = parse(await response.text(), { bom: true }) as string[][];
    expect(report[1]!.at(-1)).toMatch(/Column "Category: Newsletter".*expects subscribed or unsubscribed/);
    expect(await steward.app.db.selectFrom('contacts').select('id').where('email', 'in', [maybe, archived]).execute()).toEqual([]);
  });

  it('refuses a mapping to a category of another workspace, and the same consent column twice', async () => {
    const importId = await upload(`${HEADERS}\nx-${unique()}@example.org,X,,,,,\n`);
    const elsewhere = ok(await trpc<{ id: string }>('emailCategories.create', { workspaceId: steward.org.chapterWorkspaceId, name: `Elsewhere ${unique()}` })).id;
    const base: Target[] = [{ builtIn: 'email' }, null, null, null, null, null, null];
    const foreign = await trpc('contacts.imports.preview', { workspaceId, importId, mapping: base.map((t, i) => (i === 4 ? { consent: 'category', categoryId: elsewhere } : t)) }, 'query');
    expect(foreign.error?.data.code).toBe('BAD_REQUEST');
    expect(foreign.error?.message).toMatch(/category this workspace does not have/);
    const twice = await trpc('contacts.imports.preview', { workspaceId, importId, mapping: base.map((t, i) => (i === 2 || i === 3 ? { consent: 'global' } : t)) }, 'query');
    expect(twice.error?.message).toMatch(/both mapped to Unsubscribed from everything/);
  });
});
