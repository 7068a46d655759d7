import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { insertContacts, useStewardApp, type SeededUser } from '@steward/test-kit';
import { sql } from '@steward/db';
import { effectiveConsent } from '../consent/effective.js';

const steward = useStewardApp({ workers: false, organisation: 'Acme' });

type Result<T> = { error: { message: string; data: { code: string } } | null; text: string; data: T; status: number };
const ok = <T>(result: Result<T>) => {
  expect(result.error, result.text).toBeNull();
  return result.data;
};
const call = <T>(path: string, input: unknown, kind: 'query' | 'mutation' = 'mutation', agent: SeededUser['agent'] = steward.org.admin.agent) =>
  agent.trpc<T>(path, input, kind) as Promise<Result<T>>;

interface Campaign {
  id: string;
  state: string;
  subject: string;
  categoryId: string;
  scheduledAt: string | null;
  timezone: string;
}

const unique = () => randomBytes(4).toString('hex');
let chapter: string;
let categoryId: string;

async function newCategory(extra: Record<string, unknown> = {}, workspaceId = chapter) {
  return ok(await call<{ id: string }>('emailCategories.create', { workspaceId, name: `News ${unique()}`, ...extra })).id;
}
const draft = async (extra: Record<string, unknown> = {}) =>
  ok(await call<Campaign>('campaigns.create', { workspaceId: chapter, name: 'November news', subject: 'Hello {{firstName}}', htmlBody: '<p>Hi {{ firstName }}</p>', textBody: 'Hi {{firstName}}', categoryId, ...extra }));

beforeAll(async () => {
  chapter = steward.org.chapterWorkspaceId;
  categoryId = await newCategory({ subscribedByDefault: true });
});

describe('merge fields', () => {
  it('accepts the fields on the list, with or without spaces inside the braces', async () => {
    const campaign = await draft({ subject: '{{ fullName }}, news from {{workspaceName}}', textBody: '{{firstName}} {{lastName}} <{{email}}>' });
    expect(campaign.state).toBe('draft');
  });

  it('refuses unknown merge fields at save with a 400 naming each of them', async () => {
    const result = await call('campaigns.create', { workspaceId: chapter, name: 'Typo', subject: 'Hi {{frstName}}', htmlBody: '<p>{{ company }}</p>', textBody: '{{frstName}}', categoryId });
    expect(result.error?.data.code).toBe('BAD_REQUEST');
    expect(result.error?.message).toContain('{{frstName}}');
    expect(result.error?.message).toContain('{{company}}');
    expect(result.error?.message.match(/frstName/g)).toHaveLength(1);
  });

  it('refuses them when a draft is edited too, and keeps the draft as it was', async () => {
    const campaign = await draft();
    const result = await call('campaigns.update', { workspaceId: chapter, campaignId: campaign.id, textBody: 'Dear {{title}} {{lastName}}' });
    expect(result.error?.data.code).toBe('BAD_REQUEST');
    expect(result.error?.message).toContain('{{title}}');
    const kept = ok(await call<Campaign & { textBody: string }>('campaigns.get', { workspaceId: chapter, campaignId: campaign.id }, 'query'));
    expect(kept.textBody).toBe('Hi {{firstName}}');
  });

  it('lists the merge fields for the console', async () => {
    const fields = ok(await call<{ name: string }[]>('campaigns.mergeFields', { workspaceId: chapter }, 'query'));
    expect(fields.map((f) => f.name)).toEqual(['firstName', 'lastName', 'fullName', 'email', 'workspaceName']);
  });
});

describe('a campaign', () => {
  it('requires a category of its own workspace that is not archived', async () => {
    const archived = await newCategory();
    ok(await call('emailCategories.archive', { workspaceId: chapter, categoryId: archived }));
    expect((await call('campaigns.create', { workspaceId: chapter, name: 'x', categoryId: archived })).error?.message).toMatch(/archived/);
    const elsewhere = await newCategory({}, steward.org.globalWorkspaceId);
    expect((await call('campaigns.create', { workspaceId: chapter, name: 'x', categoryId: elsewhere })).error?.data.code).toBe('NOT_FOUND');
    expect((await call('campaigns.create', { workspaceId: chapter, name: 'x' })).error?.data.code).toBe('BAD_REQUEST');
  });

  it('refuses a filter that does not fit its field when saved', async () => {
    const result = await call('campaigns.create', { workspaceId: chapter, name: 'x', categoryId, filters: [{ field: 'noSuchField', op: 'eq', value: 1 }] });
    expect(result.error?.data.code).toBe('BAD_REQUEST');
    expect(result.error?.message).toContain('noSuchField');
  });

  it('keeps its category from being deleted: the category can only be archived', async () => {
    const used = await newCategory();
    await draft({ categoryId: used });
    const result = await call('emailCategories.delete', { workspaceId: chapter, categoryId: used });
    expect(result.error?.data.code).toBe('CONFLICT');
  });

  it('is scheduled at a local time of the workspace time zone, stored as UTC', async () => {
    await steward.app.db.updateTable('workspaces').set({ timezone: 'Europe/Paris' }).where('id', '=', chapter).execute();
    try {
      const campaign = await draft();
      const scheduled = ok(await call<Campaign>('campaigns.send', { workspaceId: chapter, campaignId: campaign.id, at: '2030-01-15T09:30' }));
      expect(scheduled.state).toBe('scheduled');
      expect(scheduled.timezone).toBe('Europe/Paris');
      expect(new Date(scheduled.scheduledAt!).toISOString()).toBe('2030-01-15T08:30:00.000Z');
      // Summer time: two hours ahead of UTC.
      const summer = ok(await call<Campaign>('campaigns.send', { workspaceId: chapter, campaignId: (await draft()).id, at: '2030-07-15T09:30' }));
      expect(new Date(summer.scheduledAt!).toISOString()).toBe('2030-07-15T07:30:00.000Z');
      const past = await call('campaigns.send', { workspaceId: chapter, campaignId: (await draft()).id, at: '2020-01-01T00:00' });
      expect(past.error?.data.code).toBe('BAD_REQUEST');
      // Only drafts change; a scheduled campaign is cancelled, not edited.
      expect((await call('campaigns.update', { workspaceId: chapter, campaignId: campaign.id, name: 'Later' })).error?.data.code).toBe('CONFLICT');
      expect(ok(await call<Campaign>('campaigns.cancel', { workspaceId: chapter, campaignId: campaign.id })).state).toBe('cancelled');
    } finally {
      await steward.app.db.updateTable('workspaces').set({ timezone: 'UTC' }).where('id', '=', chapter).execute();
    }
  });

  it('cannot be sent without a subject or a body', async () => {
    const campaign = await draft({ subject: '', htmlBody: '', textBody: '' });
    expect((await call('campaigns.send', { workspaceId: chapter, campaignId: campaign.id })).error?.message).toMatch(/subject/);
  });

  it('lists newest first, a page at a time', async () => {
    const a = await draft({ name: 'page a' });
    const b = await draft({ name: 'page b' });
    const first = ok(await call<{ campaigns: Campaign[]; nextCursor: string | null }>('campaigns.list', { workspaceId: chapter, limit: 1 }, 'query'));
    expect(first.campaigns.map((c) => c.id)).toEqual([b.id]);
    const second = ok(await call<{ campaigns: Campaign[] }>('campaigns.list', { workspaceId: chapter, limit: 1, cursor: first.nextCursor }, 'query'));
    expect(second.campaigns.map((c) => c.id)).toEqual([a.id]);
  });
});

describe('the audience count', () => {
  it('equals the contacts matching the filter who receive the category, by the order of authority', async () => {
    const db = steward.app.db;
    const workspace = ok(await call<{ id: string }>('workspaces.create', { organisationId: steward.org.organisationId, name: 'Audience', slug: `aud-${unique()}` })).id;
    const category = await newCategory({ subscribedByDefault: false }, workspace);
    await insertContacts(db, steward.org.organisationId, workspace, 400);
    const ids = (await db.selectFrom('contact_workspaces').select('contact_id').where('workspace_id', '=', workspace).orderBy('contact_id').execute()).map((r) => r.contact_id);
    // Every level of consent, spread over the people: subscribed, refused, global and workspace opt-outs, no address.
    await db
      .insertInto('contact_categories')
      .values(ids.filter((_, i) => i % 2 === 0).map((id, i) => ({ category_id: category, contact_id: id, organisation_id: steward.org.organisationId, status: i % 5 === 0 ? ('unsubscribed' as const) : ('subscribed' as const) })))
      .execute();
    await db.updateTable('contacts').set({ unsubscribed_at: new Date() }).where('id', 'in', ids.filter((_, i) => i % 7 === 0)).execute();
    await db.updateTable('contact_workspaces').set({ subscription: 'unsubscribed' }).where('workspace_id', '=', workspace).where('contact_id', 'in', ids.filter((_, i) => i % 11 === 0)).execute();
    await db.updateTable('contacts').set({ email: null }).where('id', 'in', ids.filter((_, i) => i % 13 === 0)).execute();
    await db.updateTable('contacts').set({ first_name: 'Robin' }).where('id', 'in', ids.filter((_, i) => i % 3 === 0)).execute();

    const decisions = await effectiveConsent(db, workspace, category, ids);
    const people = await db.selectFrom('contacts').select(['id', 'email', 'first_name']).where('id', 'in', ids).execute();
    const reference = (onlyRobins: boolean) => people.filter((p) => p.email !== null && decisions.get(p.id)!.receives && (!onlyRobins || p.first_name === 'Robin')).length;
    expect(reference(false)).toBeGreaterThan(50);

    const all = ok(await call<{ count: number }>('campaigns.audience', { workspaceId: workspace, categoryId: category, filters: [] }, 'query'));
    expect(all.count).toBe(reference(false));
    const robins = ok(await call<{ count: number }>('campaigns.audience', { workspaceId: workspace, categoryId: category, filters: [{ field: 'firstName', op: 'eq', value: 'Robin' }] }, 'query'));
    expect(robins.count).toBe(reference(true));

    // Frozen at send: exactly that audience, each person once.
    const campaign = ok(await call<Campaign>('campaigns.create', { workspaceId: workspace, name: 'Robins', subject: 'Hi', textBody: 'Hello', categoryId: category, filters: [{ field: 'firstName', op: 'eq', value: 'Robin' }] }));
    expect(ok(await call<Campaign>('campaigns.send', { workspaceId: workspace, campaignId: campaign.id })).state).toBe('sending');
    const frozen = await sql<{ n: string; people: string }>`select count(*) as n, count(distinct contact_id) as people from campaign_recipients where campaign_id = ${campaign.id}::uuid`.execute(db);
    expect(Number(frozen.rows[0]!.n)).toBe(reference(true));
    expect(Number(frozen.rows[0]!.people)).toBe(reference(true));
  });
});

describe('over REST', () => {
  it('writes, counts, schedules and reads a campaign with a bearer key', async () => {
    const { key } = ok(await call<{ key: string }>('apiKeys.create', { organisationId: steward.org.organisationId, name: 'campaigns' }));
    const rest = async <T>(method: string, path: string, body?: unknown) => {
      const response = await fetch(`${steward.app.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T & { message?: string } };
    };
    const refused = await rest('POST', `/workspaces/${chapter}/campaigns`, { name: 'REST', subject: 'Hi {{nickname}}', categoryId });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('{{nickname}}');
    const created = await rest<Campaign>('POST', `/workspaces/${chapter}/campaigns`, { name: 'REST', subject: 'Hi {{firstName}}', textBody: 'Hello', categoryId });
    expect(created.status).toBe(200);
    const audience = await rest<{ count: number }>('POST', `/workspaces/${chapter}/campaigns/audience`, { categoryId, filters: [] });
    expect(audience.status).toBe(200);
    expect(typeof audience.body.count).toBe('number');
    const scheduled = await rest<Campaign>('POST', `/workspaces/${chapter}/campaigns/${created.body.id}/send`, { at: '2031-03-01T08:00' });
    expect(scheduled.body.state).toBe('scheduled');
    const progress = await rest<{ state: string; total: number }>('GET', `/workspaces/${chapter}/campaigns/${created.body.id}/progress`);
    expect(progress.body).toMatchObject({ state: 'scheduled', total: 0 });
  });
});

describe('the other organisation', () => {
  it('cannot see or send this workspace’s campaigns', async () => {
    const campaign = await draft();
    const outsider = await steward.app.signIn(`outsider-${unique()}@elsewhere.example`);
    const result = await call('campaigns.send', { workspaceId: chapter, campaignId: campaign.id }, 'mutation', outsider);
    expect(result.error?.data.code).toBe('NOT_FOUND');
  });
});
