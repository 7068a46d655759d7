import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { addSignedInMember, insertContacts, seedOrganisation, useStewardApp, type SeededUser } from '@steward/test-kit';
import { sql } from '@steward/db';
import { effectiveConsent } from './effective.js';
import { recordConsentChanges } from './consent.js';

const steward = useStewardApp({ workers: false, env: { REST_RATE_LIMIT_PER_MINUTE: '100000' }, organisation: 'Acme' });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T; status: number };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const codeOf = (result: Result<unknown>) => result.error?.data.code;
const call = <T>(agent: SeededUser['agent'], path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') => agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Category {
  id: string;
  name: string;
  position: number;
  archived: boolean;
  inUse: boolean;
  subscribedByDefault: boolean;
}
interface Consent {
  globallyUnsubscribed: boolean;
  workspace: string;
  categories: { categoryId: string; choice: string | null; receives: boolean; reason: string; archived: boolean }[];
}
interface HistoryEntry {
  level: string;
  categoryId: string | null;
  previous: string | null;
  status: string;
  source: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  actorEmail: string | null;
}

let chapter: string;
let admin: SeededUser['agent'];
let member: SeededUser;
let viewer: SeededUser;
let apiKey: { key: string; id: string };

const unique = () => randomBytes(4).toString('hex');

/** A person of the organisation linked to the given workspaces, created by `createdBy`. */
async function person(workspaceIds: string[], createdBy: string | null = null) {
  const db = steward.app.db;
  const contact = await db
    .insertInto('contacts')
    .values({ organisation_id: steward.org.organisationId, first_name: 'Pat', email: `pat-${unique()}@example.org`, created_by: createdBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const workspaceId of workspaceIds) {
    await db.insertInto('contact_workspaces').values({ workspace_id: workspaceId, contact_id: contact.id, organisation_id: steward.org.organisationId, created_by: createdBy }).execute();
  }
  return contact.id;
}

const createCategory = async (name: string, extra: Record<string, unknown> = {}, workspaceId = chapter) =>
  ok(await call<Category>(admin, 'emailCategories.create', { workspaceId, name, ...extra }));
const setConsent = (agent: SeededUser['agent'], contactId: string, patch: Record<string, unknown>, workspaceId = chapter) => call<Consent>(agent, 'consent.set', { workspaceId, contactId, ...patch });
const history = async (contactId: string, workspaceId = chapter) =>
  ok(await call<{ entries: HistoryEntry[] }>(admin, 'consent.history', { workspaceId, contactId }, 'query')).entries;

async function rest<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  const response = await fetch(`${steward.app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey.key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as T & { message?: string; code?: string };
  return response.ok ? { error: null, text, data: parsed, status: response.status } : { error: { message: parsed.message ?? text, data: { code: parsed.code ?? String(response.status) } }, text, data: parsed, status: response.status };
}

beforeAll(async () => {
  chapter = steward.org.chapterWorkspaceId;
  admin = steward.org.admin.agent;
  member = await addSignedInMember(steward.app, steward.org.organisationId, 'member@consent.example', 'member', [{ workspaceId: chapter, role: 'member' }]);
  viewer = await addSignedInMember(steward.app, steward.org.organisationId, 'viewer@consent.example', 'member', [{ workspaceId: chapter, role: 'viewer' }]);
  apiKey = ok(await call<{ key: string; id: string }>(admin, 'apiKeys.create', { organisationId: steward.org.organisationId, name: 'consent' }));
});

describe('email categories', () => {
  it('are created last in the order, renamed, reordered in one call, archived and restored', async () => {
    const workspaceId = (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Cats', slug: `cats-${unique()}` }).returning('id').executeTakeFirstOrThrow()).id;
    const news = await createCategory('Newsletter', { description: 'Monthly news' }, workspaceId);
    const events = await createCategory('Event invitations', { subscribedByDefault: true }, workspaceId);
    const alerts = await createCategory('Action alerts', {}, workspaceId);
    expect([news.position, events.position, alerts.position]).toEqual([0, 1, 2]);
    expect(news).toMatchObject({ subscribedByDefault: false, archived: false, inUse: false });
    expect(events.subscribedByDefault).toBe(true);

    const renamed = ok(await call<Category>(admin, 'emailCategories.update', { workspaceId, categoryId: news.id, name: 'News', description: null }));
    expect(renamed).toMatchObject({ name: 'News', description: null });

    const reordered = ok(await call<Category[]>(admin, 'emailCategories.reorder', { workspaceId, categoryIds: [alerts.id, news.id, events.id] }));
    expect(reordered.map((c) => c.name)).toEqual(['Action alerts', 'News', 'Event invitations']);

    expect(ok(await call<Category>(admin, 'emailCategories.archive', { workspaceId, categoryId: events.id })).archived).toBe(true);
    const listed = ok(await call<Category[]>(admin, 'emailCategories.list', { workspaceId }, 'query'));
    expect(listed.map((c) => [c.name, c.archived])).toEqual([['Action alerts', false], ['News', false], ['Event invitations', true]]);
    expect(ok(await call<Category>(admin, 'emailCategories.restore', { workspaceId, categoryId: events.id })).archived).toBe(false);
  });

  it('refuses a second category of the same name in a workspace, whatever the case', async () => {
    await createCategory('Updates');
    const again = await call(admin, 'emailCategories.create', { workspaceId: chapter, name: 'UPDATES' });
    expect(codeOf(again)).toBe('CONFLICT');
    expect(again.error?.message).toMatch(/already has a category named 'UPDATES'/);
  });

  it('deletes a category nobody chose, and only archives one that consent has named', async () => {
    const unused = await createCategory(`Unused ${unique()}`);
    expect(ok(await call(admin, 'emailCategories.delete', { workspaceId: chapter, categoryId: unused.id }))).toEqual({ categoryId: unused.id, deleted: true });

    const used = await createCategory(`Used ${unique()}`);
    ok(await setConsent(admin, await person([chapter]), { categories: [{ categoryId: used.id, status: 'unsubscribed' }] }));
    const listed = ok(await call<Category>(admin, 'emailCategories.get', { workspaceId: chapter, categoryId: used.id }, 'query'));
    expect(listed.inUse).toBe(true);
    const refused = await call(admin, 'emailCategories.delete', { workspaceId: chapter, categoryId: used.id });
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.error?.message).toMatch(/Archive it instead/);
  });

  it('are read by viewers and managed by the workspace admins only', async () => {
    const category = await createCategory(`Readable ${unique()}`);
    expect(ok(await call<Category[]>(viewer.agent, 'emailCategories.list', { workspaceId: chapter }, 'query')).map((c) => c.id)).toContain(category.id);
    expect(codeOf(await call(member.agent, 'emailCategories.create', { workspaceId: chapter, name: 'Nope' }))).toBe('FORBIDDEN');
    expect(codeOf(await call(member.agent, 'emailCategories.archive', { workspaceId: chapter, categoryId: category.id }))).toBe('FORBIDDEN');
  });

  it('are served over REST', async () => {
    const created = ok(await rest<Category>('POST', `/workspaces/${chapter}/email-categories`, { name: `Rest ${unique()}` }));
    const listed = ok(await rest<Category[]>('GET', `/workspaces/${chapter}/email-categories`));
    expect(listed.map((c) => c.id)).toContain(created.id);
    expect(ok(await rest<Category>('POST', `/workspaces/${chapter}/email-categories/${created.id}/archive`)).archived).toBe(true);
  });

  it('are not found from another organisation', async () => {
    const category = await createCategory(`Private ${unique()}`);
    const other = await seedOrganisation(steward.app, 'Other');
    expect(codeOf(await call(other.admin.agent, 'emailCategories.get', { workspaceId: chapter, categoryId: category.id }, 'query'))).toBe('NOT_FOUND');
    expect(codeOf(await call(other.admin.agent, 'emailCategories.get', { workspaceId: other.chapterWorkspaceId, categoryId: category.id }, 'query'))).toBe('NOT_FOUND');
  });
});

describe('the order of authority', () => {
  let defaultOff: Category;
  let defaultOn: Category;
  let other: string;
  beforeAll(async () => {
    defaultOff = await createCategory(`Off by default ${unique()}`);
    defaultOn = await createCategory(`On by default ${unique()}`, { subscribedByDefault: true });
    other = (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Elsewhere', slug: `elsewhere-${unique()}` }).returning('id').executeTakeFirstOrThrow()).id;
  });

  /** A linked contact with the given consent, written through the API as the admin. */
  async function withConsent(patch: Record<string, unknown>) {
    const id = await person([chapter]);
    if (Object.keys(patch).length > 0) ok(await setConsent(admin, id, patch));
    return id;
  }

  it('decides every level in turn, for campaign sending and for contact lists alike', async () => {
    const cases = {
      noChoiceDefaultOff: { patch: {}, off: ['default_not_subscribed', false], on: ['default_subscribed', true] },
      subscribed: { patch: { categories: [{ categoryId: 'OFF', status: 'subscribed' }, { categoryId: 'ON', status: 'subscribed' }] }, off: ['category_subscribed', true], on: ['category_subscribed', true] },
      unsubscribed: { patch: { categories: [{ categoryId: 'OFF', status: 'unsubscribed' }, { categoryId: 'ON', status: 'unsubscribed' }] }, off: ['category_unsubscribed', false], on: ['category_unsubscribed', false] },
      // An explicit workspace opt-in is evidence; it never overrides a category's choice or default.
      workspaceSubscribed: { patch: { workspace: 'subscribed', categories: [{ categoryId: 'ON', status: 'unsubscribed' }] }, off: ['default_not_subscribed', false], on: ['category_unsubscribed', false] },
      workspaceUnsubscribed: { patch: { workspace: 'unsubscribed', categories: [{ categoryId: 'OFF', status: 'subscribed' }, { categoryId: 'ON', status: 'subscribed' }] }, off: ['workspace_unsubscribed', false], on: ['workspace_unsubscribed', false] },
      globallyUnsubscribed: {
        patch: { globallyUnsubscribed: true, workspace: 'subscribed', categories: [{ categoryId: 'OFF', status: 'subscribed' }, { categoryId: 'ON', status: 'subscribed' }] },
        off: ['globally_unsubscribed', false],
        on: ['globally_unsubscribed', false],
      },
    } as const;
    const ids: Record<string, string> = {};
    for (const [name, c] of Object.entries(cases)) {
      const patch = JSON.parse(JSON.stringify(c.patch).replaceAll('"OFF"', `"${defaultOff.id}"`).replaceAll('"ON"', `"${defaultOn.id}"`)) as Record<string, unknown>;
      ids[name] = await withConsent(patch);
    }
    // Known to another workspace only, and a person of another organisation.
    ids.notLinked = await person([other]);
    const stranger = (await seedOrganisation(steward.app, `Strangers ${unique()}`)).organisationId;
    ids.otherOrganisation = (await steward.app.db.insertInto('contacts').values({ organisation_id: stranger, email: `s-${unique()}@example.org` }).returning('id').executeTakeFirstOrThrow()).id;

    for (const [category, key] of [[defaultOff, 'off'], [defaultOn, 'on']] as const) {
      const decisions = await effectiveConsent(steward.app.db, chapter, category.id, Object.values(ids));
      for (const [name, c] of Object.entries(cases)) {
        const [reason, receives] = c[key];
        expect(decisions.get(ids[name]!), `${name}, category ${key} by default`).toEqual({ reason, receives });
      }
      expect(decisions.get(ids.notLinked!)).toEqual({ reason: 'not_linked', receives: false });
      expect(decisions.get(ids.otherOrganisation!)).toEqual({ reason: 'not_linked', receives: false });

      // The contact list's filter is the same decision.
      const search = async (filters: unknown[]) =>
        ok(await call<{ items: { id: string }[] }>(admin, 'contacts.search', { workspaceId: chapter, filters, limit: 200 }, 'query')).items.map((i) => i.id).filter((id) => Object.values(ids).includes(id));
      const receiving = Object.keys(cases).filter((name) => decisions.get(ids[name]!)!.receives).map((name) => ids[name]!);
      expect((await search([{ field: `consent:${category.id}`, op: 'eq', value: true }])).sort()).toEqual(receiving.sort());
      const refusing = Object.keys(cases).filter((name) => !decisions.get(ids[name]!)!.receives).map((name) => ids[name]!);
      expect((await search([{ field: `consent:${category.id}`, op: 'eq', value: false }])).sort()).toEqual(refusing.sort());
    }
  });

  it('is what the contact record shows, level by level', async () => {
    const id = await withConsent({ workspace: 'unsubscribed', categories: [{ categoryId: defaultOn.id, status: 'subscribed' }] });
    const consent = ok(await call<Consent>(viewer.agent, 'consent.get', { workspaceId: chapter, contactId: id }, 'query'));
    expect(consent).toMatchObject({ globallyUnsubscribed: false, workspace: 'unsubscribed' });
    expect(consent.categories.find((c) => c.categoryId === defaultOn.id)).toMatchObject({ choice: 'subscribed', receives: false, reason: 'workspace_unsubscribed' });
    expect(consent.categories.find((c) => c.categoryId === defaultOff.id)).toMatchObject({ choice: null, receives: false });
  });

  it('filters contact lists by the global unsubscribe, the workspace switch and having made a choice', async () => {
    const global = await withConsent({ globallyUnsubscribed: true });
    const off = await withConsent({ workspace: 'unsubscribed' });
    const chose = await withConsent({ categories: [{ categoryId: defaultOff.id, status: 'unsubscribed' }] });
    const search = async (filters: unknown[]) => ok(await call<{ items: { id: string }[] }>(admin, 'contacts.search', { workspaceId: chapter, filters, limit: 200 }, 'query')).items.map((i) => i.id);
    const globally = await search([{ field: 'globallyUnsubscribed', op: 'eq', value: true }]);
    expect(globally).toContain(global);
    expect(globally).not.toContain(off);
    expect(await search([{ field: 'workspaceSubscription', op: 'eq', value: 'unsubscribed' }])).toContain(off);
    expect(await search([{ field: 'workspaceSubscription', op: 'anyOf', value: ['neutral', 'subscribed'] }])).not.toContain(off);
    expect(await search([{ field: 'workspaceSubscription', op: 'set' }])).toContain(off);
    expect(await search([{ field: 'workspaceSubscription', op: 'notSet' }])).toEqual(expect.arrayContaining([global, chose]));
    const chosen = await search([{ field: `consent:${defaultOff.id}`, op: 'set' }]);
    expect(chosen).toContain(chose);
    expect(chosen).not.toContain(global);
    expect(await search([{ field: `consent:${defaultOff.id}`, op: 'notSet' }])).not.toContain(chose);
  });

  it('refuses filters on categories of other workspaces and values that do not fit', async () => {
    const elsewhere = await createCategory(`Elsewhere ${unique()}`, {}, other);
    const search = (filters: unknown[]) => call(admin, 'contacts.search', { workspaceId: chapter, filters, limit: 5 }, 'query');
    const foreign = await search([{ field: `consent:${elsewhere.id}`, op: 'eq', value: true }]);
    expect(codeOf(foreign)).toBe('BAD_REQUEST');
    expect(foreign.error?.message).toMatch(/no such email category in this workspace/);
    expect(codeOf(await search([{ field: `consent:${defaultOff.id}`, op: 'eq', value: 'yes' }]))).toBe('BAD_REQUEST');
    expect(codeOf(await search([{ field: 'consent:nope', op: 'eq', value: true }]))).toBe('BAD_REQUEST');
    expect(codeOf(await search([{ field: 'workspaceSubscription', op: 'eq', value: 'maybe' }]))).toBe('BAD_REQUEST');
  });
});

describe('changing consent', () => {
  let category: Category;
  beforeAll(async () => {
    category = await createCategory(`Changes ${unique()}`);
  });

  it('records every change in the history, with how and by whom, and nothing for what did not change', async () => {
    const id = await person([chapter], member.id);
    ok(await setConsent(member.agent, id, { workspace: 'subscribed', categories: [{ categoryId: category.id, status: 'subscribed' }] }));
    ok(await setConsent(member.agent, id, { workspace: 'subscribed', categories: [{ categoryId: category.id, status: 'unsubscribed' }] }));
    const entries = await history(id);
    expect(entries).toHaveLength(3);
    expect(entries.map((e) => [e.level, e.previous, e.status])).toEqual([
      ['category', 'subscribed', 'unsubscribed'],
      ['category', null, 'subscribed'],
      ['workspace', 'neutral', 'subscribed'],
    ]);
    expect(entries.every((e) => e.source === 'console' && e.actorUserId === member.id && e.actorEmail === member.email && e.actorApiKeyId === null)).toBe(true);
  });

  it('over REST, records the API as the source and the key that did it', async () => {
    const id = await person([chapter]);
    const consent = ok(await rest<Consent>('POST', `/contacts/${id}/consent`, { workspaceId: chapter, globallyUnsubscribed: true }));
    expect(consent.globallyUnsubscribed).toBe(true);
    expect(ok(await rest<Consent>('GET', `/contacts/${id}/consent?workspaceId=${chapter}`)).globallyUnsubscribed).toBe(true);
    const [entry] = ok(await rest<{ entries: HistoryEntry[] }>('GET', `/contacts/${id}/consent/history?workspaceId=${chapter}`)).entries;
    expect(entry).toMatchObject({ level: 'global', previous: 'neutral', status: 'unsubscribed', source: 'api', actorApiKeyId: apiKey.id, actorUserId: steward.org.admin.id });
  });

  it('keeps the way an unsubscribe link or a provider webhook changed it', async () => {
    const id = await person([chapter]);
    await steward.app.db.transaction().execute(async (trx) => {
      await recordConsentChanges(trx, { organisationId: steward.org.organisationId, source: 'unsubscribe_link', userId: null, apiKeyId: null }, [
        { contactId: id, level: 'category', workspaceId: chapter, categoryId: category.id, previous: null, status: 'unsubscribed' },
      ]);
      await recordConsentChanges(trx, { organisationId: steward.org.organisationId, source: 'provider_webhook', userId: null, apiKeyId: null }, [
        { contactId: id, level: 'global', workspaceId: null, categoryId: null, previous: 'neutral', status: 'unsubscribed' },
      ]);
    });
    expect((await history(id)).map((e) => [e.source, e.actorUserId])).toEqual([
      ['provider_webhook', null],
      ['unsubscribe_link', null],
    ]);
  });

  it('shows a workspace the global level and its own, never another workspace’s choices', async () => {
    const elsewhere = (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Away', slug: `away-${unique()}` }).returning('id').executeTakeFirstOrThrow()).id;
    const id = await person([chapter, elsewhere]);
    ok(await setConsent(admin, id, { workspace: 'unsubscribed' }, elsewhere));
    ok(await setConsent(admin, id, { globallyUnsubscribed: true }, elsewhere));
    expect((await history(id)).map((e) => e.level)).toEqual(['global']);
    expect((await history(id, elsewhere)).map((e) => e.level)).toEqual(['global', 'workspace']);
  });

  it('is an append-only history: no update, delete or truncate, yet it goes with the person', async () => {
    const id = await person([chapter]);
    ok(await setConsent(admin, id, { workspace: 'unsubscribed' }));
    await expect(sql`update consent_history set status = 'subscribed' where contact_id = ${id}`.execute(steward.app.db)).rejects.toThrow(/cannot be changed or deleted/);
    await expect(sql`delete from consent_history where contact_id = ${id}`.execute(steward.app.db)).rejects.toThrow(/cannot be changed or deleted/);
    await expect(sql`truncate consent_history`.execute(steward.app.db)).rejects.toThrow(/cannot be changed or deleted/);
    ok(await call(admin, 'contacts.delete', { workspaceId: chapter, contactId: id }));
    const left = await steward.app.db.selectFrom('consent_history').select('id').where('contact_id', '=', id).execute();
    expect(left).toEqual([]);
  });

  it('lets a workspace be deleted with its categories and their history; the person keeps the rest', async () => {
    const slug = `going-${unique()}`;
    const going = (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Going', slug }).returning('id').executeTakeFirstOrThrow()).id;
    const goingCategory = await createCategory('Going news', {}, going);
    const id = await person([chapter, going]);
    ok(await setConsent(admin, id, { workspace: 'unsubscribed', categories: [{ categoryId: goingCategory.id, status: 'subscribed' }] }, going));
    ok(await setConsent(admin, id, { workspace: 'subscribed' }));
    ok(await call(admin, 'workspaces.delete', { workspaceId: going, confirmSlug: slug }));
    const left = await steward.app.db.selectFrom('consent_history').select(['level', 'workspace_id']).where('contact_id', '=', id).execute();
    expect(left).toEqual([{ level: 'workspace', workspace_id: chapter }]);
    expect(await steward.app.db.selectFrom('contact_categories').select('contact_id').where('contact_id', '=', id).execute()).toEqual([]);
  });

  it('keeps a workspace opt-out when the person is removed from the workspace and added again', async () => {
    const email = `back-${unique()}@example.org`;
    const { id } = ok(await call<{ id: string }>(admin, 'contacts.create', { workspaceId: chapter, firstName: 'Back', email }));
    ok(await setConsent(admin, id, { workspace: 'unsubscribed' }));
    ok(await call(admin, 'contacts.unlink', { workspaceId: chapter, contactId: id }));
    ok(await call(admin, 'contacts.link', { workspaceId: chapter, email }));
    expect(ok(await call<Consent>(admin, 'consent.get', { workspaceId: chapter, contactId: id }, 'query')).workspace).toBe('unsubscribed');
    ok(await call(admin, 'contacts.unlink', { workspaceId: chapter, contactId: id }));
    const bulk = ok(await call<{ results: { status: string }[] }>(admin, 'contacts.bulk', { workspaceId: chapter, rows: [{ email }, { email: `new-${unique()}@example.org` }] }));
    expect(bulk.results.map((r) => r.status)).toEqual(['linked', 'created']);
    expect(ok(await call<Consent>(admin, 'consent.get', { workspaceId: chapter, contactId: id }, 'query')).workspace).toBe('unsubscribed');
  });

  it('follows the record’s ownership: members change their own contacts, viewers nothing', async () => {
    const own = await person([chapter], member.id);
    const others = await person([chapter], steward.org.admin.id);
    ok(await setConsent(member.agent, own, { categories: [{ categoryId: category.id, status: 'subscribed' }] }));
    const refused = await setConsent(member.agent, others, { workspace: 'unsubscribed' });
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.error?.message).toMatch(/created or are assigned/);
    expect(codeOf(await setConsent(viewer.agent, own, { workspace: 'unsubscribed' }))).toBe('FORBIDDEN');
    expect((await history(others)).length).toBe(0);
  });

  it('lets members record a global unsubscribe but only admins lift it', async () => {
    const id = await person([chapter], member.id);
    ok(await setConsent(member.agent, id, { globallyUnsubscribed: true }));
    const lifted = await setConsent(member.agent, id, { globallyUnsubscribed: false });
    expect(codeOf(lifted)).toBe('FORBIDDEN');
    expect(lifted.error?.message).toMatch(/Only admins can lift a global unsubscribe/);
    expect(ok(await setConsent(admin, id, { globallyUnsubscribed: false })).globallyUnsubscribed).toBe(false);
  });

  it('refuses subscribing anyone to an archived category, and categories of other workspaces', async () => {
    const archived = await createCategory(`Archived ${unique()}`);
    ok(await call(admin, 'emailCategories.archive', { workspaceId: chapter, categoryId: archived.id }));
    const id = await person([chapter]);
    const refused = await setConsent(admin, id, { categories: [{ categoryId: archived.id, status: 'subscribed' }] });
    expect(codeOf(refused)).toBe('BAD_REQUEST');
    expect(refused.error?.message).toMatch(/archived/);
    const unsubscribed = ok(await setConsent(admin, id, { categories: [{ categoryId: archived.id, status: 'unsubscribed' }] }));
    expect(unsubscribed.categories.find((c) => c.categoryId === archived.id)).toMatchObject({ archived: true, choice: 'unsubscribed' });

    const other = await seedOrganisation(steward.app, `Other ${unique()}`);
    const foreign = ok(await call<Category>(other.admin.agent, 'emailCategories.create', { workspaceId: other.chapterWorkspaceId, name: 'Theirs' }));
    expect(codeOf(await setConsent(admin, id, { categories: [{ categoryId: foreign.id, status: 'unsubscribed' }] }))).toBe('NOT_FOUND');
    expect(codeOf(await setConsent(other.admin.agent, id, { workspace: 'unsubscribed' }, other.chapterWorkspaceId))).toBe('NOT_FOUND');
  });
});

describe('changing consent in bulk', () => {
  it('applies one change to every contact the filters match, in one go, recording only real changes', async () => {
    const workspaceId = (await steward.app.db.insertInto('workspaces').values({ organisation_id: steward.org.organisationId, kind: 'chapter', name: 'Bulk', slug: `bulk-${unique()}` }).returning('id').executeTakeFirstOrThrow()).id;
    const category = await createCategory('Bulk news', {}, workspaceId);
    await insertContacts(steward.app.db, steward.org.organisationId, workspaceId, 30);
    const pats = [await person([workspaceId]), await person([workspaceId])];
    ok(await setConsent(admin, pats[0]!, { categories: [{ categoryId: category.id, status: 'subscribed' }] }, workspaceId));

    const bulk = (change: unknown, filters: unknown[] = [{ field: 'firstName', op: 'eq', value: 'Pat' }], agent = admin) =>
      call<{ matched: number; changed: number }>(agent, 'consent.bulkSet', { workspaceId, filters, change });
    expect(ok(await bulk({ level: 'category', categoryId: category.id, status: 'subscribed' }))).toEqual({ matched: 2, changed: 1 });
    expect(ok(await bulk({ level: 'category', categoryId: category.id, status: 'subscribed' }))).toEqual({ matched: 2, changed: 0 });
    expect((await history(pats[1]!, workspaceId)).map((e) => [e.level, e.previous, e.status, e.source])).toEqual([['category', null, 'subscribed', 'console']]);

    // Everyone who would receive the category, switched off for the workspace.
    expect(ok(await bulk({ level: 'workspace', status: 'unsubscribed' }, [{ field: `consent:${category.id}`, op: 'eq', value: true }]))).toEqual({ matched: 2, changed: 2 });
    expect(ok(await bulk({ level: 'global', globallyUnsubscribed: true }, []))).toEqual({ matched: 32, changed: 32 });
    const decisions = await effectiveConsent(steward.app.db, workspaceId, category.id, pats);
    expect([...decisions.values()].map((d) => d.reason)).toEqual(['globally_unsubscribed', 'globally_unsubscribed']);
    const entries = await steward.app.db.selectFrom('consent_history').select((eb) => eb.fn.countAll<string>().as('n')).where('contact_id', 'in', pats).executeTakeFirstOrThrow();
    expect(Number(entries.n)).toBe(2 + 2 + 2);

    // Over REST, with the key on record.
    const viaKey = ok(await rest<{ matched: number; changed: number }>('POST', `/workspaces/${workspaceId}/contacts/consent`, { filters: [], change: { level: 'global', globallyUnsubscribed: false } }));
    expect(viaKey).toEqual({ matched: 32, changed: 32 });
    expect((await history(pats[0]!, workspaceId))[0]).toMatchObject({ level: 'global', status: 'neutral', source: 'api', actorApiKeyId: apiKey.id });
  });

  it('is for admins only', async () => {
    const category = await createCategory(`Bulk admins ${unique()}`);
    expect(codeOf(await call(member.agent, 'consent.bulkSet', { workspaceId: chapter, filters: [], change: { level: 'category', categoryId: category.id, status: 'unsubscribed' } }))).toBe('FORBIDDEN');
  });

  it('writes one audit entry naming the filters, the change and the counts', async () => {
    const [entry] = await steward.app.db.selectFrom('audit_log').select(['after', 'actor_api_key_id']).where('action', '=', 'consent.bulkSet').orderBy('id', 'desc').limit(1).execute();
    expect(entry).toMatchObject({ actor_api_key_id: apiKey.id, after: { filters: [], change: { level: 'global', globallyUnsubscribed: false }, matched: 32, changed: 32 } });
  });
});

describe('effectiveConsent', () => {
  it('is NOT_FOUND for a category of another workspace', async () => {
    const category = await createCategory(`Scoped ${unique()}`);
    await expect(effectiveConsent(steward.app.db, steward.org.globalWorkspaceId, category.id, [])).rejects.toThrow(/Email category was not found/);
  });

  it('answers an empty list at once', async () => {
    const category = await createCategory(`Empty ${unique()}`);
    expect((await effectiveConsent(steward.app.db, chapter, category.id, [])).size).toBe(0);
  });
});
